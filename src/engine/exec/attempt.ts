/** One attempt of a run on one worker: the message that starts it, what the worker sends back about it, and its maxDuration timer. */

import type { WorkerToEngine } from '../../protocol/ipc';
import type { RunRecord } from '../store/types';
import { newId } from '../ids';
import type { WorkerHandle } from './pool';
import type { RequestOrigin, WorkerRequest } from './worker-requests';
import type { Lineage } from '../../shared/targets';

/** The longest delay setTimeout honours (2^31 - 1 ms); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** The worker's report of how an attempt ended. */
export type AttemptReport = Extract<WorkerToEngine, { type: 'completed' | 'failed' }>;
/** The worker's request to wait. */
export type WaitRequest = Extract<WorkerToEngine, { type: 'wait' }>;

/** Where an attempt passes on what its worker does. */
export interface AttemptEvents {
  /** The task ended: completed, or failed. */
  reported(a: Attempt, m: AttemptReport): void;
  /** The task asked for a write. */
  requested(a: Attempt, m: WorkerRequest): void;
  /** The task waits (for a time, or for runs to finish). */
  waits(a: Attempt, m: WaitRequest): void;
  /** The worker exited: it crashed, or the engine stopped the attempt. */
  exited(a: Attempt, code: number | null, signal: NodeJS.Signals | null, stderr: string): void;
}

export class Attempt implements RequestOrigin {
  readonly id = newId('attempt');
  readonly startedAt = Date.now();
  /** Compute time before the current stretch; since when it runs (undefined while it waits). */
  private ranMs = 0;
  private runningSince: number | undefined = Date.now();
  private maxMs?: number;
  private graceMs = 0;
  /** Set when the engine itself ends the attempt (cancel, timeout) before killing the worker. */
  ending?: 'CANCELED' | 'TIMED_OUT';
  settled = false;
  /** The run's parent and root, read once when a write first targets them. */
  lineage?: Promise<Lineage>;
  private timer?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  /** The engine killed (or is killing) the worker: it is not given back to the pool. */
  killed = false;
  private readonly onMessage: (m: WorkerToEngine) => void;
  private readonly onExit: (code: number | null, signal: NodeJS.Signals | null, stderr: string) => void;

  constructor(
    readonly runId: string,
    /** The run's attempt count this attempt started with. */
    readonly number: number,
    readonly worker: WorkerHandle,
    events: AttemptEvents,
  ) {
    this.onMessage = (m) => {
      if (!('attemptId' in m) || m.attemptId !== this.id) return;
      if (m.type === 'completed' || m.type === 'failed') events.reported(this, m);
      else if (m.type === 'wait') events.waits(this, m);
      else events.requested(this, m);
    };
    this.onExit = (code, signal, stderr) => events.exited(this, code, signal, stderr);
  }

  /**
   * Listens to the worker, arms the maxDuration timer and sends the attempt of the started `record` to the worker.
   * `stopGraceMs`: how long a stopped attempt's worker is given to end it before it is killed.
   */
  start(
    record: RunRecord,
    code: { bundlePath: string; filePath?: string },
    api: { apiUrl: string; accessToken: string; stopGraceMs: number },
    configPath?: string,
  ): void {
    this.worker.on('message', this.onMessage);
    this.worker.once('exit', this.onExit);
    if (record.maxDuration) this.maxMs = record.maxDuration * 1000;
    this.graceMs = api.stopGraceMs;
    this.arm();
    this.worker.send({
      type: 'execute',
      attemptId: this.id,
      bundlePath: code.bundlePath,
      ...(code.filePath ? { filePath: code.filePath } : {}),
      taskId: record.run.taskIdentifier,
      run: {
        id: this.runId,
        payload: record.run.payload,
        payloadMeta: record.run.payloadMeta,
        metadata: record.run.metadata ?? {},
        tags: record.run.tags,
        attempt: record.run.attemptCount,
        batchId: record.run.batchId,
        parentRunId: record.parentRunId,
        rootRunId: record.rootRunId,
        maxAttempts: record.maxAttempts,
        childAttempt: record.childAttempt,
        createdAt: record.run.createdAt,
        startedAt: record.run.startedAt,
        isTest: record.run.isTest,
        idempotencyKey: record.run.idempotencyKey,
        maxDuration: record.maxDuration,
        queue: record.run.queue ?? `task/${record.run.taskIdentifier}`,
      },
      apiUrl: api.apiUrl,
      accessToken: api.accessToken,
      ...(configPath ? { configPath } : {}),
    });
  }

  /** Compute time so far: waits do not count (maxDuration measures compute, as upstream). */
  computeMs(): number {
    return this.ranMs + (this.runningSince === undefined ? 0 : Date.now() - this.runningSince);
  }

  /** The run waits: the maxDuration clock stops. */
  pause(): void {
    if (this.runningSince === undefined) return;
    this.ranMs = this.computeMs();
    this.runningSince = undefined;
    clearTimeout(this.timer);
  }

  /** The run goes on after a wait: the maxDuration clock runs again. */
  resume(): void {
    if (this.runningSince !== undefined || this.settled) return;
    this.runningSince = Date.now();
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    const maxMs = this.maxMs;
    if (maxMs === undefined) return;
    // A delay past 2^31 - 1 ms (~24.8 days) makes setTimeout fire at once, and `timeout.None` (2^31 - 1 s) is such a
    // maxDuration: wait in steps no longer than that, and stop only once the run has really computed for maxMs.
    const left = Math.max(0, maxMs - this.computeMs());
    this.timer = setTimeout(() => (this.computeMs() >= maxMs ? this.stop('TIMED_OUT', this.graceMs) : this.arm()), Math.min(left, MAX_TIMER_MS));
  }

  /**
   * Ends the attempt from the engine's side: tells the worker (the task's `signal` is aborted, onCancel runs), and
   * kills it if the attempt has not ended `graceMs` later. Its report or its exit then settles the attempt as `ending`.
   */
  stop(ending: 'CANCELED' | 'TIMED_OUT', graceMs: number): void {
    if (this.ending) return;
    this.ending = ending;
    clearTimeout(this.timer);
    this.worker.send({ type: 'stop', attemptId: this.id, reason: ending === 'CANCELED' ? 'cancel' : 'maxDuration' });
    const kill = () => {
      this.killed = true;
      this.worker.kill();
    };
    if (graceMs > 0) this.killTimer = setTimeout(kill, graceMs);
    else kill();
  }

  /** Stops the timers and listening to the worker. */
  detach(): void {
    clearTimeout(this.timer);
    clearTimeout(this.killTimer);
    this.worker.off('message', this.onMessage);
    this.worker.off('exit', this.onExit);
  }

  /** Forgets the attempt (the engine is closing): its end is no longer committed. */
  abandon(): void {
    this.settled = true;
    clearTimeout(this.timer);
    clearTimeout(this.killTimer);
  }
}
