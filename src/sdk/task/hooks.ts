/**
 * Trigger.dev v4's lifecycle hooks: their parameters (the v4 object form, `onSuccess({ payload, output, ctx })`),
 * the per-task options, the global registration (`tasks.onStart(...)`, `tasks.middleware(...)`, …) and `locals`.
 * The worker calls them around each attempt (src/worker/lifecycle.ts).
 */
import type { RetryOptions } from './registry';
import { registerGlobalHook } from './registry';
import { currentRuntime, type TaskRunContext } from './runtime';
import { HOOK_KINDS, type AnyHook, type DefinitionHooks, type HookKind, type TaskWait } from './hookSet';

export type { TaskWait } from './hookSet';

/** What `init` returns; merged (global ones first, then the task's) and passed on as `init`. */
export type TaskInitOutput = Record<string, unknown> | void | undefined;

interface HookParams<TPayload> {
  ctx: TaskRunContext;
  payload: TPayload;
  /** The task's id. */
  task: string;
  /** Aborted when the run is cancelled or passes its maxDuration. */
  signal: AbortSignal;
}

export type InitHookParams<TPayload = unknown> = HookParams<TPayload>;
export type StartHookParams<TPayload = unknown, TInit = TaskInitOutput> = HookParams<TPayload> & { init?: TInit };
export type StartAttemptHookParams<TPayload = unknown> = HookParams<TPayload>;
export type SuccessHookParams<TPayload = unknown, TOutput = unknown, TInit = TaskInitOutput> = HookParams<TPayload> & { output: TOutput; init?: TInit };
export type FailureHookParams<TPayload = unknown, TInit = TaskInitOutput> = HookParams<TPayload> & { error: unknown; init?: TInit };
export type TaskCompleteResult<TOutput> = { ok: true; data: TOutput } | { ok: false; error: unknown };
export type CompleteHookParams<TPayload = unknown, TOutput = unknown, TInit = TaskInitOutput> = HookParams<TPayload> & {
  result: TaskCompleteResult<TOutput>;
  init?: TInit;
};
export type WaitHookParams<TPayload = unknown, TInit = TaskInitOutput> = HookParams<TPayload> & { wait: TaskWait; init?: TInit };
export type CancelHookParams<TPayload = unknown, TInit = TaskInitOutput> = HookParams<TPayload> & {
  init?: TInit;
  /** Settles when the attempt's `run` does: await it to get the output of a run that stops on the signal. */
  runPromise: Promise<unknown>;
};
export type CleanupHookParams<TPayload = unknown, TInit = TaskInitOutput> = HookParams<TPayload> & { init?: TInit };
export type MiddlewareHookParams<TPayload = unknown> = HookParams<TPayload> & { next: () => Promise<void> };
export type CatchErrorHookParams<TPayload = unknown, TInit = TaskInitOutput> = HookParams<TPayload> & {
  error: unknown;
  init?: TInit;
  retry?: RetryOptions;
  /** When the engine would start the next attempt; undefined when no attempt is left. */
  retryDelayInMs?: number;
  retryAt?: Date;
};

/** What `catchError` may return; returning nothing keeps the default (retry while attempts remain). */
export interface CatchErrorResult {
  /** Fail the run now, without retrying. */
  skipRetrying?: boolean;
  /** Start the next attempt at this time (while attempts remain). */
  retryAt?: Date;
  /** Start the next attempt after this many milliseconds (while attempts remain). */
  retryDelayInMs?: number;
  /** Retry with this backoff instead of the task's. */
  retry?: RetryOptions;
  /** Report this error instead of the one thrown. */
  error?: unknown;
}

type Awaitable<T> = T | Promise<T>;

/** The lifecycle hooks a task's options may have, with Trigger.dev v4's parameters. */
export interface TaskHooks<TPayload = unknown, TOutput = unknown, TInit extends TaskInitOutput = TaskInitOutput> {
  /** @deprecated in Trigger.dev v4 (use middleware and locals); runs before each attempt, its return value is `init`. */
  init?: (params: InitHookParams<TPayload>) => Awaitable<TInit>;
  /** @deprecated in Trigger.dev v4 (use middleware); runs after each attempt, whatever its outcome. */
  cleanup?: (params: CleanupHookParams<TPayload, TInit>) => unknown;
  /** Wraps the whole attempt (every other hook and `run`); call `next()` to go on. */
  middleware?: (params: MiddlewareHookParams<TPayload>) => unknown;
  /** @deprecated in Trigger.dev v4.1 (use onStartAttempt); runs before the first attempt only. */
  onStart?: (params: StartHookParams<TPayload, TInit>) => unknown;
  onStartAttempt?: (params: StartAttemptHookParams<TPayload>) => unknown;
  onSuccess?: (params: SuccessHookParams<TPayload, TOutput, TInit>) => unknown;
  /** Once the run has failed for good (not on an attempt that is retried). */
  onFailure?: (params: FailureHookParams<TPayload, TInit>) => unknown;
  onComplete?: (params: CompleteHookParams<TPayload, TOutput, TInit>) => unknown;
  onWait?: (params: WaitHookParams<TPayload, TInit>) => unknown;
  onResume?: (params: WaitHookParams<TPayload, TInit>) => unknown;
  onCancel?: (params: CancelHookParams<TPayload, TInit>) => unknown;
  catchError?: (params: CatchErrorHookParams<TPayload, TInit>) => Awaitable<CatchErrorResult | undefined | void>;
  /** @deprecated Trigger.dev's earlier name of `catchError`. */
  handleError?: (params: CatchErrorHookParams<TPayload, TInit>) => Awaitable<CatchErrorResult | undefined | void>;
}

/** Picks the hook options out of a task's options (`handleError` counts as `catchError`). */
export function taskHooksOf(options: object): DefinitionHooks {
  const hooks: DefinitionHooks = {};
  const o = options as Record<string, unknown>;
  for (const kind of HOOK_KINDS) {
    const fn = kind === 'catchError' ? (o.catchError ?? o.handleError) : o[kind];
    if (fn === undefined) continue;
    if (typeof fn !== 'function') throw new TypeError(`task "${String(o.id)}": ${kind} must be a function`);
    hooks[kind] = fn as AnyHook;
  }
  return hooks;
}

type Registrar<P, R = unknown> = {
  (name: string, fn: (params: P) => R): void;
  (fn: (params: P) => R): void;
};

function registrar<P, R = unknown>(kind: HookKind): Registrar<P, R> {
  return ((nameOrFn: string | ((params: P) => R), fn?: (params: P) => R): void => {
    const hook = typeof nameOrFn === 'function' ? nameOrFn : fn;
    if (typeof hook !== 'function') throw new TypeError(`tasks.${kind}() needs a function`);
    // The id a hook is replaced by: its name, else the function's name, else its source (as Trigger.dev).
    const id = typeof nameOrFn === 'string' ? nameOrFn : hook.name || hook.toString();
    registerGlobalHook(kind, id, hook as AnyHook, currentRuntime()?.registered);
  }) as Registrar<P, R>;
}

type CatchErrorReturn = Awaitable<CatchErrorResult | undefined | void>;

/**
 * The global hook registrars of `tasks` (`tasks.onStart(fn)` or `tasks.onStart("name", fn)`). Called while a task
 * file loads, a hook applies to every task of that file's bundle; called inside a running task, to that attempt.
 */
export const globalHookRegistrars = {
  /** @deprecated in Trigger.dev v4.1: use onStartAttempt. */
  onStart: registrar<StartHookParams>('onStart'),
  onStartAttempt: registrar<StartAttemptHookParams>('onStartAttempt'),
  onSuccess: registrar<SuccessHookParams>('onSuccess'),
  onFailure: registrar<FailureHookParams>('onFailure'),
  onComplete: registrar<CompleteHookParams>('onComplete'),
  onWait: registrar<WaitHookParams>('onWait'),
  onResume: registrar<WaitHookParams>('onResume'),
  onCancel: registrar<CancelHookParams>('onCancel'),
  catchError: registrar<CatchErrorHookParams, CatchErrorReturn>('catchError'),
  /** @deprecated Trigger.dev's earlier name of catchError. */
  handleError: registrar<CatchErrorHookParams, CatchErrorReturn>('catchError'),
  middleware: registrar<MiddlewareHookParams>('middleware'),
};

/** A key of `locals`; carries the value's type. */
export interface LocalsKey<T> {
  readonly id: string;
  readonly __type: symbol;
  /** Type-only marker, never read. */
  readonly __valueType?: T;
}

/**
 * Trigger.dev's `locals`: values shared by middleware, hooks and `run` within one attempt. Outside a task, `set`
 * does nothing and `get` finds nothing (as Trigger.dev).
 */
export const locals = {
  create<T>(id: string): LocalsKey<T> {
    return { id, __type: Symbol.for(id) };
  },
  get<T>(key: LocalsKey<T>): T | undefined {
    return currentRuntime()?.locals.get(key.__type) as T | undefined;
  },
  getOrThrow<T>(key: LocalsKey<T>): T {
    const value = locals.get(key);
    if (value === undefined) throw new Error(`Local with id ${key.id} not found`);
    return value;
  },
  set<T>(key: LocalsKey<T>, value: T): T {
    currentRuntime()?.locals.set(key.__type, value);
    return value;
  },
};
export type Locals = typeof locals;
