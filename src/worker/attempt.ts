import { LIMITS } from '../protocol/api';
import type { EngineToWorker } from '../protocol/ipc';
import type { Json } from '../protocol/run';
import { backendFunction } from '../sdk/task/backendBridge';
import { AttemptRuntime, runWithRuntime, type TaskRunContext } from '../sdk/task/runtime';
import { loadBundle } from './bundle';
import { NamedError, isRetryable, toRunError } from './errors';
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

type Outcome = { ok: true; output: unknown } | { ok: false; error: unknown };

/** Runs attempts one at a time; a crash (uncaught exception, unhandled rejection) fails the current one. */
export class AttemptRunner {
  private current: { attemptId: string; crash: (err: unknown) => void; crashed?: unknown } | undefined;

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
    const current: { attemptId: string; crash: (err: unknown) => void; crashed?: unknown } = { attemptId: msg.attemptId, crash };
    this.current = current;
    const transport = new IpcTransport(this.channel, msg.attemptId);
    const abort = new AbortController();
    let rt: AttemptRuntime | undefined;
    let outcome: Outcome;
    try {
      configureBackend(msg);
      const bundle = loadBundle(msg.bundlePath, false);
      const entry = bundle.tasks.get(msg.taskId);
      if (!entry) {
        const known = [...bundle.tasks.keys()].map((id) => `"${id}"`).join(', ') || 'none';
        throw new NamedError('TaskNotFoundError', `task "${msg.taskId}" is not defined in ${msg.bundlePath} (tasks there: ${known})`);
      }
      const ctx = contextFor(msg, entry.exportName);
      const runtime = new AttemptRuntime({ ctx, transport, metadata: msg.run.metadata, flushIntervalMs: this.opts.metadataFlushMs });
      rt = runtime;
      const running = runWithRuntime(runtime, async () => {
        const payload = entry.def.parsePayload ? await entry.def.parsePayload(msg.run.payload) : msg.run.payload;
        return entry.def.run(payload, { ctx, signal: abort.signal });
      });
      outcome = { ok: true, output: await Promise.race([running, crashed]) };
    } catch (error) {
      outcome = { ok: false, error };
    }

    if (rt) {
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
    if (outcome.ok && current.crashed !== undefined) outcome = { ok: false, error: current.crashed };
    let result: { type: 'completed'; output?: Json } | { type: 'failed'; error: unknown };
    if (outcome.ok) {
      try {
        result = { type: 'completed', output: checkOutput(outcome.output) };
      } catch (error) {
        result = { type: 'failed', error };
      }
    } else result = { type: 'failed', error: outcome.error };

    transport.flushLogs();
    this.current = undefined;
    if (result.type === 'completed') {
      this.channel.send({ type: 'completed', attemptId: msg.attemptId, ...(result.output !== undefined ? { output: result.output } : {}) });
    } else {
      this.channel.send({ type: 'failed', attemptId: msg.attemptId, error: toRunError(result.error), retryable: isRetryable(result.error) });
    }
    abort.abort(new Error('the attempt ended'));
  }
}

function contextFor(msg: ExecuteMessage, exportName: string | undefined): TaskRunContext {
  return {
    run: {
      id: msg.run.id,
      tags: [...msg.run.tags],
      isTest: false,
      ...(msg.run.batchId ? { batchId: msg.run.batchId } : {}),
      ...(msg.run.parentRunId ? { parentTaskRunId: msg.run.parentRunId } : {}),
      ...(msg.run.rootRunId ? { rootTaskRunId: msg.run.rootRunId } : {}),
    },
    attempt: { id: msg.attemptId, number: msg.run.attempt },
    task: { id: msg.taskId, ...(exportName ? { exportName } : {}) },
    ...(msg.run.batchId ? { batch: { id: msg.run.batchId } } : {}),
    environment: { id: 'local', slug: 'dev', type: 'DEVELOPMENT' },
    machine: { name: 'local' },
  };
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

/** The return value as JSON (undefined allowed); not retried when it cannot be. */
function checkOutput(output: unknown): Json | undefined {
  if (output === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(output);
  } catch (err) {
    throw new NamedError('OutputNotSerialisableError', `the task's return value is not JSON-serialisable: ${describeError(err)}`);
  }
  if (text === undefined) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.outputBytes) {
    throw new NamedError('OutputTooLargeError', `the task's return value is ${bytes} bytes, over the ${LIMITS.outputBytes}-byte limit`);
  }
  return JSON.parse(text) as Json;
}
