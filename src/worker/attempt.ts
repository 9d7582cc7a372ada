import { cpus, totalmem } from 'node:os';
import { basename } from 'node:path';
import { LIMITS } from '../protocol/api';
import type { EngineToWorker } from '../protocol/ipc';
import { fromTyped, toTyped, type TypedJson } from '../protocol/values';
import { backendFunction } from '../sdk/task/backendBridge';
import { AttemptRuntime, type TaskRunContext } from '../sdk/task/runtime';
import { loadBundle } from './bundle';
import { loadConfig, type LoadedConfig } from './config';
import { NamedError, isRetryable, toRunError } from './errors';
import { startLifecycle, type AttemptLifecycle, type LifecycleOutcome } from './lifecycle';
import { globalHooksOutsideBundles } from '../sdk/task/registry';
import type { IpcChannel } from './ipc';
import { IpcTransport } from './transport';
import { describeError } from '../shared/errors';

export type ExecuteMessage = Extract<EngineToWorker, { type: 'execute' }>;

export interface AttemptOptions {
  /** How long the end of an attempt waits for open streams (default 60 s, as Trigger.dev). */
  streamWaitMs: number;
  /** Metadata flush interval (default 100 ms). */
  metadataFlushMs: number;
}

type StopMessage = Extract<EngineToWorker, { type: 'stop' }>;

interface Current {
  attemptId: string;
  crash: (err: unknown) => void;
  crashed?: unknown;
  abort: AbortController;
  /** Set when the engine stopped the attempt. */
  stopped?: StopMessage['reason'];
  lifecycle?: AttemptLifecycle;
}

/** The `signal.reason` a task sees when the engine stops its attempt. */
function stopReason(reason: StopMessage['reason']): Error {
  return reason === 'cancel'
    ? new NamedError('AbortError', 'The run was cancelled')
    : new NamedError('MaxDurationExceededError', 'The run exceeded its maxDuration');
}

/** Runs attempts one at a time; a crash (uncaught exception, unhandled rejection) fails the current one. */
export class AttemptRunner {
  private current: Current | undefined;

  constructor(
    private readonly channel: IpcChannel,
    private readonly opts: AttemptOptions,
  ) {}

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Fails the running attempt with `err`; returns false when no attempt runs. */
  crash(err: unknown): boolean {
    if (!this.current) return false;
    this.current.crashed ??= err;
    this.current.crash(err);
    return true;
  }

  /**
   * The engine stops the running attempt (cancel, maxDuration): aborts the task's `signal` with a reason and, on
   * cancel, runs the onCancel hooks. The attempt then ends as the task's code lets it (its end is still reported);
   * the engine ends the run CANCELED or TIMED_OUT either way, and kills this process if it has not ended in time.
   */
  stop(msg: StopMessage): void {
    const current = this.current;
    if (!current || current.attemptId !== msg.attemptId || current.stopped) return;
    current.stopped = msg.reason;
    current.abort.abort(stopReason(msg.reason));
    if (msg.reason === 'cancel') void current.lifecycle?.cancel();
  }

  async execute(msg: ExecuteMessage): Promise<void> {
    if (this.current) {
      this.channel.send({
        type: 'failed',
        attemptId: msg.attemptId,
        error: { name: 'WorkerBusy', message: `this worker is already running attempt ${this.current.attemptId}` },
        retryable: true,
      });
      return;
    }
    let crash!: (err: unknown) => void;
    const crashed = new Promise<never>((_, reject) => (crash = reject));
    crashed.catch(() => undefined);
    const abort = new AbortController();
    const current: Current = { attemptId: msg.attemptId, crash, abort };
    this.current = current;
    const transport = new IpcTransport(this.channel, msg.attemptId);
    let rt: AttemptRuntime | undefined;
    let outcome: LifecycleOutcome;
    try {
      configureBackend(msg);
      const bundle = loadBundle(msg.bundlePath, false);
      const entry = bundle.tasks.get(msg.taskId);
      if (!entry) {
        const known = [...bundle.tasks.keys()].map((id) => `"${id}"`).join(', ') || 'none';
        throw new NamedError('TaskNotFoundError', `task "${msg.taskId}" is not defined in ${msg.bundlePath} (tasks there: ${known})`);
      }
      const ctx = contextFor(msg, entry.exportName);
      const runtime = new AttemptRuntime({
        ctx,
        transport,
        metadata: msg.run.metadata,
        flushIntervalMs: this.opts.metadataFlushMs,
        childAttempt: msg.run.childAttempt,
      });
      rt = runtime;
      const config = projectConfig(msg.configPath, transport);
      const lifecycle = startLifecycle({
        def: entry.def,
        // The config's hooks first: `trigger dev` registers them before it loads any task file.
        globals: [...(config ? [config.hooks] : []), globalHooksOutsideBundles(), bundle.hooks],
        retry: entry.def.retry ?? config?.config.retries?.default,
        retriesDisabled: config?.config.retries?.enabledInDev === false,
        runtime,
        payload: taskPayload(msg),
        signal: abort.signal,
        attempt: msg.run.attempt,
        // Without the run's limit (an engine that does not send it), the engine alone decides on retries.
        maxAttempts: msg.run.maxAttempts ?? Number.MAX_SAFE_INTEGER,
        stopped: () => current.stopped !== undefined,
        serialize: checkOutput,
        isRetryable,
      });
      current.lifecycle = lifecycle;
      outcome = await Promise.race([lifecycle.outcome, crashed]);
    } catch (error) {
      outcome = { ok: false, error, retry: { retry: isRetryable(error) } };
    }

    if (rt) {
      rt.setWaitListeners(undefined);
      // After a crash the task's code may be in any state: give its streams a short grace only.
      const waitMs = current.crashed !== undefined ? Math.min(1000, this.opts.streamWaitMs) : this.opts.streamWaitMs;
      const { aborted, errors } = await rt.waitForStreams(waitMs);
      if (aborted > 0)
        transport.log('warn', `${aborted} stream write(s) did not finish within ${Math.round(waitMs / 1000)} s of the task's end and were stopped`);
      for (const err of errors) transport.log('warn', `a stream write failed: ${describeError(err)}`);
      try {
        await rt.metadata.close();
      } catch (err) {
        transport.log('error', `metadata could not be saved: ${describeError(err)}`);
      }
    }
    if (outcome.ok && current.crashed !== undefined) outcome = { ok: false, error: current.crashed, retry: { retry: isRetryable(current.crashed) } };

    transport.flushLogs();
    this.current = undefined;
    if (outcome.ok) {
      const output = outcome.output as TypedJson | undefined;
      this.channel.send({
        type: 'completed',
        attemptId: msg.attemptId,
        ...(output !== undefined ? { output: output.json } : {}),
        ...(output?.meta !== undefined ? { outputMeta: output.meta } : {}),
      });
    } else {
      const { retry } = outcome;
      this.channel.send({
        type: 'failed',
        attemptId: msg.attemptId,
        error: toRunError(outcome.error),
        retryable: retry.retry,
        ...(retry.retry && retry.delayMs !== undefined ? { retryDelayMs: retry.delayMs } : {}),
      });
    }
    if (!abort.signal.aborted) abort.abort(new Error('the attempt ended'));
  }
}

/**
 * The project's config for an attempt; a config that loaded when the engine indexed it but fails now (its code
 * changed what it does) is reported in the run's log and the attempt goes on without it.
 */
function projectConfig(configPath: string | undefined, transport: IpcTransport): LoadedConfig | undefined {
  if (!configPath) return undefined;
  try {
    return loadConfig(configPath, false);
  } catch (err) {
    transport.log('warn', `the project's trigger.config did not load (its hooks and retry settings do not apply to this attempt): ${describeError(err)}`);
    return undefined;
  }
}

function queueName(msg: ExecuteMessage): string {
  return msg.run.queue ?? `task/${msg.taskId}`;
}

function contextFor(msg: ExecuteMessage, exportName: string | undefined): TaskRunContext {
  const now = new Date();
  const workspace = basename(process.cwd());
  return {
    run: {
      id: msg.run.id,
      tags: [...msg.run.tags],
      isTest: msg.run.isTest ?? false,
      isReplay: false,
      createdAt: msg.run.createdAt ? new Date(msg.run.createdAt) : now,
      startedAt: msg.run.startedAt ? new Date(msg.run.startedAt) : now,
      baseCostInCents: 0,
      ...(msg.run.idempotencyKey ? { idempotencyKey: msg.run.idempotencyKey } : {}),
      ...(msg.run.maxAttempts ? { maxAttempts: msg.run.maxAttempts } : {}),
      ...(msg.run.maxDuration ? { maxDuration: msg.run.maxDuration } : {}),
      ...(msg.run.batchId ? { batchId: msg.run.batchId } : {}),
      ...(msg.run.parentRunId ? { parentTaskRunId: msg.run.parentRunId } : {}),
      ...(msg.run.rootRunId ? { rootTaskRunId: msg.run.rootRunId } : {}),
    },
    attempt: { id: msg.attemptId, number: msg.run.attempt, startedAt: now },
    task: { id: msg.taskId, filePath: msg.filePath ?? '', ...(exportName ? { exportName } : {}) },
    queue: { id: queueName(msg), name: queueName(msg) },
    ...(msg.run.batchId ? { batch: { id: msg.run.batchId } } : {}),
    environment: { id: 'local', slug: 'dev', type: 'DEVELOPMENT' },
    organization: { id: 'local', slug: 'local', name: 'Local' },
    project: { id: 'local', ref: 'proj_local', slug: workspace, name: workspace },
    machine: machine(),
  };
}

let localMachine: TaskRunContext['machine'] | undefined;

/**
 * `ctx.machine`: this machine, read once per worker (`os.cpus()` reads /proc/cpuinfo: it was an eighth of a no-op
 * attempt's CPU time).
 */
function machine(): TaskRunContext['machine'] {
  localMachine ??= { name: 'local', cpu: cpus().length, memory: Math.round(totalmem() / 2 ** 30), centsPerMs: 0 };
  return { ...localMachine };
}

/** Lets `tasks.trigger`, `runs.*` inside the task reach this engine (backend SDK's `configure`). */
function configureBackend(msg: ExecuteMessage): void {
  process.env.TRIGGER_API_URL = msg.apiUrl;
  process.env.TRIGGER_SECRET_KEY = msg.accessToken;
  const configure = backendFunction(['configure']);
  if (!configure) return;
  try {
    configure({ baseURL: msg.apiUrl, accessToken: msg.accessToken });
  } catch (err) {
    process.stderr.write(`runlight worker: configure() failed: ${describeError(err)}\n`);
  }
}

/** The payload as the task receives it: with its Dates, Maps, BigInts… rebuilt (superjson), as Trigger.dev's SDK sent it. */
function taskPayload(msg: ExecuteMessage): unknown {
  try {
    return fromTyped(msg.run.payload, msg.run.payloadMeta, 'payload');
  } catch (err) {
    throw new NamedError('TaskPayloadParsedError', describeError(err));
  }
}

/**
 * The return value as JSON plus superjson's meta when it holds a Date, Map, Set, BigInt… (undefined allowed); not
 * retried when it cannot be.
 */
function checkOutput(output: unknown): TypedJson | undefined {
  let typed: TypedJson | undefined;
  try {
    typed = toTyped(output, "the task's return value");
  } catch (err) {
    throw new NamedError('OutputNotSerialisableError', describeError(err));
  }
  if (typed === undefined) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(typed.json), 'utf8') + (typed.meta ? Buffer.byteLength(JSON.stringify(typed.meta), 'utf8') : 0);
  if (bytes > LIMITS.outputBytes) {
    throw new NamedError('OutputTooLargeError', `the task's return value is ${bytes} bytes, over the ${LIMITS.outputBytes}-byte limit`);
  }
  return typed;
}
