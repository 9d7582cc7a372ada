/**
 * One attempt of a task with its lifecycle hooks, in Trigger.dev v4's order (its TaskExecutor):
 *
 *   parse the payload (a schema error fails the run, no hook runs)
 *   middleware: the global ones in registration order, then the task's, each wrapping the rest through `next()`
 *     init (global, then the task's; their objects merged into `init`)
 *     onStart (first attempt only), then onStartAttempt (global, then the task's)
 *     run(payload, { ctx, signal, init })
 *     on success: onSuccess, then onComplete({ result: { ok: true, data } })
 *     on error: catchError (the task's, then the global ones, until one returns something) decides the retry, given the
 *               delay of the retry options (the task's `retry`, else the config's `retries.default`); with the config's
 *               `retries.enabledInDev: false` the attempt is not retried and no catchError runs (as upstream in dev);
 *               if the run will not be retried: onFailure, then onComplete({ result: { ok: false, error } })
 *     cleanup (global, then the task's)
 *
 * Errors, as upstream: one thrown by init, onStart, onStartAttempt fails the attempt like one thrown by `run`
 * (catchError, retry); one thrown by onSuccess, onFailure, onComplete, onWait, onResume or onCancel is logged and
 * ignored; one thrown by cleanup fails the attempt without retry; one thrown by a middleware (or catchError) fails
 * the attempt, retried while attempts remain, without catchError or onFailure.
 *
 * Once the engine has stopped the attempt (cancel, maxDuration) the run ends CANCELED or TIMED_OUT whatever the
 * task does: catchError, onSuccess, onFailure and onComplete are then skipped; cleanup still runs.
 */
import type { AttemptRuntime } from '../sdk/task/runtime';
import { runWithRuntime } from '../sdk/task/runtime';
import type { RetryOptions, TaskDefinition } from '../sdk/task/registry';
import type { CatchErrorResult } from '../sdk/task/hooks';
import type { AnyHook, HookKind, HookSet } from '../sdk/task/hookSet';
import { MAX_RETRY_DELAY_MS, backoffDelayMs, defaultRetryDelayMs } from '../shared/retry';
import { describeError } from '../shared/errors';
import { NamedError } from './errors';

/** Whether a failed attempt is retried (while the run has attempts left), and when. */
export type RetryDecision = { retry: false } | { retry: true; delayMs?: number };

export type LifecycleOutcome = { ok: true; output: unknown } | { ok: false; error: unknown; retry: RetryDecision };

export interface LifecycleInput {
  def: TaskDefinition;
  /** Scopes of global hooks, in the order they run (the attempt's own registrations run after them). */
  globals: HookSet[];
  runtime: AttemptRuntime;
  /** The payload as the run has it (parsed by the task's schema first, if any). */
  payload: unknown;
  signal: AbortSignal;
  attempt: number;
  maxAttempts: number;
  /** The backoff of retries: the task's `retry`, else the config's `retries.default`; without either, the engine's default. */
  retry?: RetryOptions;
  /** The config says `retries.enabledInDev: false`: a failed attempt is not retried. */
  retriesDisabled?: boolean;
  /** True once the engine stopped the attempt (cancel, maxDuration). */
  stopped(): boolean;
  /** The output as it is reported; throws when it cannot be (the attempt then fails without retry). */
  serialize(output: unknown): unknown;
  /** False for errors no retry can fix (AbortTaskRunError, a payload that fails its schema, …). */
  isRetryable(error: unknown): boolean;
}

export interface AttemptLifecycle {
  outcome: Promise<LifecycleOutcome>;
  /** Runs the onCancel hooks (global, then the task's); resolves once they are done; never rejects. */
  cancel(): Promise<void>;
}

const NO_RETRY: RetryDecision = { retry: false };

type Params = Record<string, unknown>;

function call(fn: AnyHook, params: Params): Promise<unknown> {
  return Promise.resolve((fn as (p: Params) => unknown)(params));
}

/** Starts the attempt inside the runtime's context (so `locals`, `metadata`, … work in every hook). */
export function startLifecycle(input: LifecycleInput): AttemptLifecycle {
  const { def, runtime: rt } = input;
  const ctx = rt.ctx;
  let onCancel: (() => Promise<void>) | undefined;

  const globalHooks = (kind: HookKind): AnyHook[] => [...input.globals.flatMap((s) => s.list(kind)), ...rt.registered.list(kind)];
  const taskHook = (kind: HookKind): AnyHook[] => (def.hooks[kind] ? [def.hooks[kind]] : []);
  const log = (kind: string, err: unknown) => rt.transport.log('warn', `${kind} hook failed (ignored): ${describeError(err)}`);

  /** Calls the global, then the task's hooks of `kind`; the first that throws stops them (`throw`) or is logged (`log`). */
  async function callEach(kind: HookKind, params: Params, onError: 'throw' | 'log'): Promise<void> {
    for (const fn of [...globalHooks(kind), ...taskHook(kind)]) {
      try {
        await call(fn, params);
      } catch (err) {
        if (onError === 'throw') throw err;
        log(kind, err);
      }
    }
  }

  async function callInit(base: Params): Promise<Record<string, unknown>> {
    const merged: Record<string, unknown> = {};
    for (const fn of [...globalHooks('init'), ...taskHook('init')]) {
      const r = await call(fn, base);
      if (r && typeof r === 'object' && !Array.isArray(r)) Object.assign(merged, r);
    }
    return merged;
  }

  async function decide(error: unknown, params: Params): Promise<{ retry: RetryDecision; error?: unknown }> {
    if (!input.isRetryable(error) || input.retriesDisabled) return { retry: NO_RETRY };
    const attemptsLeft = input.attempt < input.maxAttempts;
    const delay = attemptsLeft ? retryDelay() : undefined;
    const args = { ...params, error, retry: input.retry, retryDelayInMs: delay, retryAt: delay !== undefined ? new Date(Date.now() + delay) : undefined };
    for (const fn of [...taskHook('catchError'), ...globalHooks('catchError')]) {
      const r = (await call(fn, args)) as CatchErrorResult | undefined;
      if (r) return fromCatchError(r, attemptsLeft);
    }
    return { retry: delay !== undefined ? { retry: true, delayMs: delay } : NO_RETRY };
  }

  /** The delay before the next attempt by the retry options (within the run's attempts), else the engine's default. */
  function retryDelay(): number {
    const delay = input.retry ? backoffDelayMs({ ...input.retry, maxAttempts: input.maxAttempts }, input.attempt) : undefined;
    return Math.min(MAX_RETRY_DELAY_MS, Math.max(0, delay ?? defaultRetryDelayMs(input.attempt)));
  }

  function fromCatchError(r: CatchErrorResult, attemptsLeft: boolean): { retry: RetryDecision; error?: unknown } {
    const error = r.error;
    if (r.skipRetrying || !attemptsLeft) return { retry: NO_RETRY, error };
    let delay: number | undefined;
    if (r.retryAt instanceof Date) delay = r.retryAt.getTime() - Date.now();
    else if (typeof r.retryDelayInMs === 'number') delay = r.retryDelayInMs;
    else if (r.retry && typeof r.retry === 'object') delay = backoffDelayMs(r.retry, input.attempt);
    // Something returned without a retry time (e.g. only `error`): not retried, as upstream.
    if (delay === undefined || Number.isNaN(delay)) return { retry: NO_RETRY, error };
    return { retry: { retry: true, delayMs: Math.min(MAX_RETRY_DELAY_MS, Math.max(0, Math.round(delay))) }, error };
  }

  async function attempt(): Promise<LifecycleOutcome> {
    let payload: unknown;
    try {
      payload = def.parsePayload ? await def.parsePayload(input.payload) : input.payload;
    } catch (error) {
      return { ok: false, error, retry: NO_RETRY };
    }
    const base: Params = { ctx, payload, task: def.id, signal: input.signal };
    let init: Record<string, unknown> | undefined;

    let settleRun!: { resolve(v: unknown): void; reject(e: unknown): void };
    const runPromise = new Promise<unknown>((resolve, reject) => (settleRun = { resolve, reject }));
    runPromise.catch(() => undefined);
    rt.setWaitListeners({
      wait: (wait) => callEach('onWait', { ...base, wait, init }, 'throw'),
      resume: (wait) => callEach('onResume', { ...base, wait, init }, 'throw'),
    });
    onCancel = () => callEach('onCancel', { ...base, init, runPromise }, 'throw');

    const withCleanup = async (outcome: LifecycleOutcome): Promise<LifecycleOutcome> => {
      try {
        await callEach('cleanup', { ...base, init }, 'throw');
        return outcome;
      } catch (error) {
        return { ok: false, error, retry: NO_RETRY };
      }
    };

    const executeTask = async (): Promise<LifecycleOutcome> => {
      let output: unknown;
      try {
        init = await callInit(base);
        if (input.attempt === 1) await callEach('onStart', { ...base, init }, 'throw');
        await callEach('onStartAttempt', base, 'throw');
        output = await runCompletable(() => def.run(payload, { ctx, signal: input.signal, init }));
      } catch (runError) {
        settleRun.reject(runError);
        if (input.stopped()) return withCleanup({ ok: false, error: runError, retry: NO_RETRY });
        let decision: { retry: RetryDecision; error?: unknown };
        try {
          decision = await decide(runError, { ...base, init });
        } catch (catchErrorError) {
          return withCleanup({ ok: false, error: catchErrorError, retry: { retry: true } });
        }
        const error = decision.error ?? runError;
        if (!decision.retry.retry) {
          await callEach('onFailure', { ...base, error, init }, 'log');
          await callEach('onComplete', { ...base, result: { ok: false, error }, init }, 'log');
        }
        return withCleanup({ ok: false, error, retry: decision.retry });
      }
      settleRun.resolve(output);
      let reported: unknown;
      try {
        reported = input.serialize(output);
      } catch (error) {
        return withCleanup({ ok: false, error, retry: NO_RETRY });
      }
      if (!input.stopped()) {
        await callEach('onSuccess', { ...base, output, init }, 'log');
        await callEach('onComplete', { ...base, result: { ok: true, data: output }, init }, 'log');
      }
      return withCleanup({ ok: true, output: reported });
    };

    let result: LifecycleOutcome | undefined;
    const chain = [...globalHooks('middleware'), ...taskHook('middleware')].reduceRight<() => Promise<void>>(
      (next, fn) => async () => {
        await call(fn, { ...base, next });
      },
      async () => {
        result = await executeTask();
      },
    );
    try {
      await chain();
    } catch (error) {
      return { ok: false, error, retry: { retry: true } };
    }
    return (
      result ?? {
        ok: false,
        error: new NamedError('TaskMiddlewareError', 'a middleware returned without calling next(): the task did not run'),
        retry: NO_RETRY,
      }
    );
  }

  return {
    outcome: runWithRuntime(rt, attempt),
    cancel: () =>
      runWithRuntime(rt, async () => {
        try {
          await onCancel?.();
        } catch (err) {
          log('onCancel', err);
        }
      }),
  };
}

/** The task's run; `throw new CompleteTaskWithOutput(x)` in it completes the run with `x`, as upstream. */
async function runCompletable(run: () => unknown): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error && error.name === 'CompleteTaskWithOutput' && 'output' in error) return error.output;
    throw error;
  }
}
