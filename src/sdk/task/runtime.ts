import { AsyncLocalStorage } from 'node:async_hooks';
import type { MetadataOperation } from '../../protocol/api';
import type { Json } from '../../protocol/run';
import type { WaitOn, WaitedRun, WaitedToken } from '../../protocol/ipc';
import { ChunkSender } from './chunkSender';
import { resolveTarget } from '../../shared/targets';
import { describeError } from '../../shared/errors';
import { MetadataManager, type MetadataTarget } from './metadataManager';
import { HookSet, type TaskWait } from './hookSet';

export type LogLevel = 'debug' | 'log' | 'info' | 'warn' | 'error';

/** What the SDK needs from whoever runs the task (the worker process, or a test). */
export interface RuntimeTransport {
  /** Resolves once the engine committed the operations; rejects with the engine's error. */
  sendMetadata(target: MetadataTarget, operations: MetadataOperation[]): Promise<void>;
  /** `target` is `"self"` or a run id. Resolves once the engine committed the chunks. */
  sendChunks(target: string, key: string, bodies: string[]): Promise<void>;
  sendTags(tags: string[]): Promise<void>;
  /**
   * Waits until the engine resumes this attempt (the run is WAITING meanwhile, its worker parked); resolves with
   * the runs waited for, in order. Absent where nothing parks (tests): `wait.for` then sleeps in place.
   */
  wait?(on: WaitOn): Promise<WaitedRun[] | undefined>;
  /** Parks the run until the wait token is completed or times out (the engine's worker only); how it ended. */
  waitForToken?(tokenId: string): Promise<WaitedToken>;
  log(level: LogLevel, message: string): void;
}

/**
 * The `ctx` a task's run function receives: Trigger.dev v4's TaskRunContext, with local values where the cloud has
 * its own (one organization and project named after the workspace, a development environment, a `local` machine).
 */
export interface TaskRunContext {
  run: {
    id: string;
    tags: string[];
    isTest: boolean;
    isReplay: boolean;
    createdAt: Date;
    startedAt: Date;
    idempotencyKey?: string;
    maxAttempts?: number;
    maxDuration?: number;
    baseCostInCents: number;
    batchId?: string;
    parentTaskRunId?: string;
    rootTaskRunId?: string;
  };
  attempt: { id: string; number: number; startedAt: Date };
  task: { id: string; exportName?: string; filePath: string };
  /** The run's queue: its task's own (`task/<id>`) or a shared one. */
  queue: { id: string; name: string };
  batch?: { id: string };
  environment: { id: string; slug: string; type: 'DEVELOPMENT' };
  organization: { id: string; slug: string; name: string };
  project: { id: string; ref: string; slug: string; name: string };
  machine: { name: string; cpu: number; memory: number; centsPerMs: number };
}

export interface AttemptRuntimeOptions {
  ctx: TaskRunContext;
  transport: RuntimeTransport;
  metadata: Record<string, Json>;
  flushIntervalMs?: number;
  /** The attempt whose children the waiting forms find again (the engine's `childAttempt`); this attempt when absent. */
  childAttempt?: number;
}

/** What the attempt's lifecycle (the worker) does when the task's code waits or resumes. */
export interface WaitListeners {
  wait(wait: TaskWait): Promise<void>;
  resume(wait: TaskWait): Promise<void>;
}

interface OpenWrite {
  done: Promise<void>;
  abort(reason: unknown): void;
}

/**
 * Per-attempt SDK state: the metadata copy and its queue, the chunk batcher, open stream writers.
 * The worker creates one for each attempt and runs the task inside `runWithRuntime`, so SDK calls
 * made by that attempt (and by callbacks it schedules) find it, and never a later attempt's.
 */
export class AttemptRuntime {
  readonly metadata: MetadataManager;
  readonly chunks: ChunkSender;
  /** Global hooks registered while this attempt runs (`tasks.onCancel(...)` inside `run`): they apply to it only. */
  readonly registered = new HookSet();
  /** The values of `locals` for this attempt, by key. */
  readonly locals = new Map<symbol, unknown>();
  private readonly writes = new Set<OpenWrite>();
  private waitListeners: WaitListeners | undefined;
  private waitingChildren = 0;

  /**
   * The lifecycle hooks the wait code calls around a wait: `await rt.hooks.wait(w)` just before the run starts
   * waiting for `w` (e.g. `{ type: 'duration', date }`, `{ type: 'task', runId }`), and `await rt.hooks.resume(w)`
   * with the same `w` once it goes on. They call the global, then the task's `onWait` / `onResume` hooks; a hook
   * that throws is logged and otherwise ignored, as in Trigger.dev, so neither ever rejects. Before the worker has
   * set up the attempt's hooks (and in tests) they do nothing.
   */
  readonly hooks = {
    wait: (wait: TaskWait): Promise<void> => this.callWaitListener('wait', wait),
    resume: (wait: TaskWait): Promise<void> => this.callWaitListener('resume', wait),
  };

  constructor(private readonly opts: AttemptRuntimeOptions) {
    this.metadata = new MetadataManager({
      initial: opts.metadata,
      send: (target, ops) => opts.transport.sendMetadata(target, ops),
      flushIntervalMs: opts.flushIntervalMs,
      hasParent: opts.ctx.run.parentTaskRunId !== undefined,
      hasRoot: opts.ctx.run.rootTaskRunId !== undefined,
    });
    this.chunks = new ChunkSender((target, key, bodies) => opts.transport.sendChunks(target, key, bodies));
  }

  get ctx(): TaskRunContext {
    return this.opts.ctx;
  }

  get transport(): RuntimeTransport {
    return this.opts.transport;
  }

  /**
   * The idempotency key of this attempt's next child run triggered with a waiting form (`triggerAndWait`, the batch
   * forms): the run, the attempt whose children it finds again, and the call's place in the attempt. A retry after
   * the engine lost an attempt makes the same calls in the same order, so each finds the child the lost attempt
   * triggered (finished or not) instead of starting it again; any other retry has its own attempt number, so new children.
   */
  nextChildKey(): string {
    const { run, attempt } = this.opts.ctx;
    return `runlight-child:${run.id}:${this.opts.childAttempt ?? attempt.number}:${this.waitingChildren++}`;
  }

  /** Set by the worker once the attempt's payload is known: what `hooks.wait` and `hooks.resume` call. */
  setWaitListeners(listeners: WaitListeners | undefined): void {
    this.waitListeners = listeners;
  }

  private async callWaitListener(kind: 'wait' | 'resume', wait: TaskWait): Promise<void> {
    const listener = this.waitListeners?.[kind];
    if (!listener) return;
    try {
      await listener(wait);
    } catch (err) {
      this.opts.transport.log('warn', `an ${kind === 'wait' ? 'onWait' : 'onResume'} hook failed: ${describeError(err)}`);
    }
  }

  /** `self` for this run, else the run id a stream target names (parent/root fall back to self). */
  streamTarget(target: string | undefined): string {
    const run = this.opts.ctx.run;
    if (target === run.id) return 'self';
    return resolveTarget(target, { id: 'self', parentId: run.parentTaskRunId, rootId: run.rootTaskRunId });
  }

  /** Registers a stream write so the end of the attempt waits for it. */
  track(write: OpenWrite): void {
    this.writes.add(write);
    const forget = () => this.writes.delete(write);
    write.done.then(forget, forget);
  }

  openWrites(): number {
    return this.writes.size;
  }

  /**
   * Waits for every open stream write, at most `timeoutMs`; then aborts what is left.
   * Returns the number of writes that were aborted and the errors of writes that failed.
   */
  async waitForStreams(timeoutMs: number): Promise<{ aborted: number; errors: unknown[] }> {
    const errors: unknown[] = [];
    const deadline = Date.now() + timeoutMs;
    while (this.writes.size > 0) {
      const pending = [...this.writes];
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), left)));
      const settled = Promise.all(
        pending.map((w) =>
          w.done.catch((err: unknown) => {
            errors.push(err);
          }),
        ),
      );
      const r = await Promise.race([settled, timeout]);
      clearTimeout(timer);
      if (r === 'timeout') break;
    }
    const left = [...this.writes];
    for (const w of left) w.abort(new Error('the task ended and its stream did not finish within the wait limit'));
    return { aborted: left.length, errors };
  }
}

const storage = new AsyncLocalStorage<AttemptRuntime>();

export function runWithRuntime<T>(runtime: AttemptRuntime, fn: () => T): T {
  return storage.run(runtime, fn);
}

/** The runtime of the attempt this code runs for, if it runs inside a task. */
export function currentRuntime(): AttemptRuntime | undefined {
  return storage.getStore();
}

export function requireRuntime(what: string): AttemptRuntime {
  const rt = storage.getStore();
  if (!rt) throw new Error(`${what} can only be used inside a task's run function`);
  return rt;
}
