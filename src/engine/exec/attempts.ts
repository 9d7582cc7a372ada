/**
 * The attempts this node runs: starting each on a worker (a claimed run, or a retry), ending its run from what
 * happens to it, and the runs it holds meanwhile.
 */

import { EventEmitter } from 'node:events';
import { isTerminal } from '../../shared/status';
import type { Committer } from '../committer';
import type { RunRecord, RunStore } from '../store/types';
import { StoreRefusal } from '../store/types';
import { withAttemptStarted } from '../runs/model';
import type { WorkerHandle, WorkerPool } from './pool';
import type { WorkerRequests } from './worker-requests';
import type { Waits } from './waits';
import { Attempt, type AttemptEvents } from './attempt';
import type { DebugTarget, DebugWorkers } from './debug-workers';
import { workerExitError, type RunEnd, type RunFinisher } from './run-end';
import { describeError } from '../../shared/errors';
import { nowIso } from '../clock';
import { defaultRetryDelayMs } from '../../shared/retry';

/** Where a task's code is: the engine's task catalog answers this. */
export interface TaskLookup {
  /** Resolves once the first build of the workspace's tasks is done. */
  ready(): Promise<unknown>;
  bundleFor(taskId: string): string | undefined;
  /** The task's source file, relative to the workspace. */
  filePathFor?(taskId: string): string | undefined;
  /** The bundle of the project's trigger.config, when it has one that loads. */
  configBundle?(): string | undefined;
}

export interface AttemptOptions {
  node: string;
  /** Read when an attempt starts (the engine's URL is known only once it listens). */
  apiUrl: string;
  accessToken: string;
  maxHeapMb: number;
  /** Milliseconds a claimed run stays held without renewal; renewed every third of it. */
  leaseMs: number;
  /** Milliseconds a cancelled or timed-out attempt is given to end (its `signal` aborted) before its worker is killed. */
  stopGraceMs: number;
  log: (line: string) => void;
  /** Debug runs (Runlight's own): a claimed run bound to a debug worker runs its first attempt there. */
  debug?: Pick<DebugWorkers, 'take'>;
}

/**
 * Runs each started attempt on a warm worker and ends its run from what happens to it: CRASHED when the worker
 * dies, TIMED_OUT past maxDuration, CANCELED on cancel, retried while attempts remain. Emits `ended` once an
 * attempt's end is committed (or dropped): a worker may be free for a queued run.
 */
export class Attempts extends EventEmitter<{ ended: [] }> {
  private readonly byAttempt = new Map<string, Attempt>();
  private readonly byRun = new Map<string, Attempt>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** The first build of the tasks is done (`tasks.ready()` resolved): an attempt starts without waiting a turn for it. */
  private tasksReady = false;
  /** Runs claimed by this node whose attempt is being started: their leases are renewed too. */
  private readonly starting = new Set<string>();
  /** Runs cancelled while their attempt was being started: that attempt is never sent to a worker. */
  private readonly cancelledWhileStarting = new Set<string>();
  /** Debug runs claimed here whose worker waits for a debugger: a cancel kills that worker at once. */
  private readonly debugStarting = new Map<string, DebugTarget>();
  private readonly events: AttemptEvents = {
    // A report has no ack: should its end fail to be written, there is no one to tell.
    reported: (a, m) => {
      // A stopped attempt that ended within its grace period still ends its run CANCELED or TIMED_OUT.
      const settled = a.ending
        ? this.endStopped(a)
        : m.type === 'completed'
          ? this.settle(a, { status: 'COMPLETED', output: m.output, outputMeta: m.outputMeta })
          : this.settle(a, { status: 'FAILED', error: m.error }, m.retryable, m.retryDelayMs);
      settled.catch(() => undefined);
    },
    requested: (a, m) => void this.requests.handle(a, m),
    waits: (a, m) => void this.waits.handle(a, m),
    exited: (a, code, signal, stderr) => void this.onWorkerExit(a, code, signal, stderr),
  };

  constructor(
    private readonly store: Pick<RunStore, 'getRun'>,
    private readonly committer: Committer,
    private readonly pool: Pick<WorkerPool, 'acquire' | 'tryAcquire' | 'release'>,
    private readonly tasks: TaskLookup,
    private readonly requests: WorkerRequests,
    private readonly waits: Waits,
    private readonly finisher: RunFinisher,
    private readonly o: AttemptOptions,
  ) {
    super();
  }

  /** This node is running, starting or about to retry an attempt of the run. */
  isExecuting(runId: string): boolean {
    return this.byRun.has(runId) || this.retryTimers.has(runId) || this.starting.has(runId);
  }

  /** The runs this node holds: being started, running, or waiting for a retry. */
  held(): string[] {
    return [...this.starting, ...this.byRun.keys(), ...this.retryTimers.keys()];
  }

  /**
   * Runs the attempt a claim started on an idle worker; should another user of the pool have taken the
   * worker meanwhile (task indexing), on the next one free. The lease is renewed while it waits.
   */
  launchClaimed(record: RunRecord): Promise<void> {
    const debug = this.o.debug?.take(record.run.id);
    if (debug) return this.whileStarting(record.run.id, () => this.launchDebug(record, debug));
    return this.whileStarting(record.run.id, async () => this.launch(record, this.pool.tryAcquire() ?? (await this.pool.acquire())));
  }

  /** Runs a debug run's attempt on its own worker once a debugger attached; fails the run if none did in time. */
  private async launchDebug(record: RunRecord, target: DebugTarget): Promise<void> {
    this.debugStarting.set(record.run.id, target);
    let attached: true | string;
    try {
      attached = await target.attached;
    } finally {
      this.debugStarting.delete(record.run.id);
    }
    if (attached === true && !target.worker.dead) return this.launch(record, target.worker);
    target.worker.kill();
    if (this.cancelledWhileStarting.has(record.run.id)) return;
    await this.finisher.finish(record.run.id, {
      status: 'FAILED',
      error: { name: 'DebuggerNotAttached', message: attached === true ? "The run's debug worker exited before the run started." : attached },
    });
  }

  /** Starts the run's next attempt (a retry) on `worker`. */
  private startAttempt(runId: string, worker: WorkerHandle): Promise<void> {
    return this.whileStarting(runId, async () => {
      let record: RunRecord | undefined;
      try {
        await this.committer.commit({
          kind: 'update',
          runId,
          apply: (rec) => {
            const u = withAttemptStarted(rec, this.o.node, Date.now() + this.o.leaseMs, nowIso());
            record = u.record;
            return u;
          },
        });
        if (!record) throw new Error('the run was not started');
      } catch (e) {
        this.pool.release(worker);
        if (!(e instanceof StoreRefusal)) this.o.log(`could not start run ${runId}: ${describeError(e)}`);
        return;
      }
      await this.launch(record, worker);
    });
  }

  /** Runs `start` with the run marked as being started here: its lease is renewed, and a cancel stops it. */
  private async whileStarting(runId: string, start: () => Promise<void>): Promise<void> {
    this.starting.add(runId);
    try {
      await start();
    } finally {
      this.starting.delete(runId);
      this.cancelledWhileStarting.delete(runId);
    }
  }

  /** Sends a started attempt (the run is EXECUTING, held by this node) to its worker. */
  private async launch(record: RunRecord, worker: WorkerHandle): Promise<void> {
    const runId = record.run.id;
    if (!this.tasksReady) {
      await this.tasks.ready();
      this.tasksReady = true;
    }
    if (this.cancelledWhileStarting.has(runId)) {
      this.pool.release(worker);
      return;
    }
    const bundle = this.tasks.bundleFor(record.run.taskIdentifier);
    if (!bundle) {
      this.pool.release(worker);
      await this.finisher.finish(runId, {
        status: 'FAILED',
        error: {
          name: 'TaskNotFound',
          message: `Task "${record.run.taskIdentifier}" was not found in this workspace. Check the task id and that its file is under a task folder.`,
        },
      });
      return;
    }
    const attempt = new Attempt(runId, record.run.attemptCount, worker, this.events);
    this.byAttempt.set(attempt.id, attempt);
    this.byRun.set(runId, attempt);
    attempt.start(record, { bundlePath: bundle, filePath: this.tasks.filePathFor?.(record.run.taskIdentifier) }, this.o, this.tasks.configBundle?.());
  }

  private async onWorkerExit(a: Attempt, code: number | null, signal: NodeJS.Signals | null, stderr: string): Promise<void> {
    if (a.settled) return;
    if (a.ending) return this.endStopped(a);
    return this.settle(a, { status: 'CRASHED', error: workerExitError(code, signal, stderr, this.o.maxHeapMb) });
  }

  /** Ends the run of an attempt the engine stopped: CANCELED, or TIMED_OUT with the maxDuration error. */
  private async endStopped(a: Attempt): Promise<void> {
    if (a.ending === 'CANCELED') return this.settle(a, { status: 'CANCELED' });
    const r = await this.store.getRun(a.runId);
    return this.settle(a, {
      status: 'TIMED_OUT',
      error: { name: 'MaxDurationExceededError', message: `Run exceeded its maxDuration of ${r?.maxDuration ?? '?'} s and was stopped.` },
    });
  }

  private async settle(a: Attempt, end: RunEnd, retryable = false, retryDelayMs?: number): Promise<void> {
    if (a.settled) return;
    a.settled = true;
    a.detach();
    this.byAttempt.delete(a.id);
    this.byRun.delete(a.runId);
    this.waits.forget(a);
    // A stopped attempt's worker that reported its end in time is kept; one the engine killed is replaced.
    if (!a.worker.dead && !a.killed) this.pool.release(a.worker);
    const attemptMs = a.computeMs();
    // A node stalled past its lease may have lost the run to another node meanwhile: then this attempt's end is
    // stale and is dropped (checked inside the commit, so no read is needed first).
    let lostTo: RunRecord | undefined;
    const holds = (r: RunRecord): boolean => {
      const held = r.lockedBy === this.o.node && r.run.attemptCount === a.number;
      if (!held) lostTo = r;
      return held;
    };
    const dropped = (): void => {
      // Finished elsewhere (a cancel through another node) or taken over by another node.
      if (lostTo && !isTerminal(lostTo.run.status))
        this.o.log(`run ${a.runId}: attempt ${a.number} ended after another node took the run over; its result is dropped`);
      this.emit('ended');
    };
    if (end.status === 'FAILED' && retryable) {
      const record = await this.store.getRun(a.runId);
      if (record && !holds(record)) return dropped();
      if (record && record.run.attemptCount < record.maxAttempts) {
        // Stays EXECUTING (Trigger.dev shows reattempts as EXECUTING) with the attempt's error, then runs again.
        await this.committer.submit({
          kind: 'update',
          runId: a.runId,
          apply: (r) =>
            holds(r)
              ? { record: { ...r, run: { ...r.run, error: end.error, durationMs: r.run.durationMs + attemptMs, updatedAt: nowIso() } }, type: 'error' }
              : undefined,
        });
        const t = setTimeout(
          () => {
            this.retryTimers.delete(a.runId);
            void this.pool.acquire().then((w) => this.startAttempt(a.runId, w));
          },
          retryDelayMs ?? defaultRetryDelayMs(record.run.attemptCount),
        );
        this.retryTimers.set(a.runId, t);
        return;
      }
    }
    await this.finisher.finish(a.runId, { ...end, attemptMs }, holds);
    if (lostTo) return dropped();
    this.emit('ended');
  }

  /** Cancels a run executing here (stops its attempt: see `Attempt.stop`), being started here, or waiting for a retry. */
  async cancel(runId: string): Promise<boolean> {
    const retry = this.retryTimers.get(runId);
    if (retry) {
      clearTimeout(retry);
      this.retryTimers.delete(runId);
      await this.finisher.finish(runId, { status: 'CANCELED' });
      return true;
    }
    const a = this.byRun.get(runId);
    if (!a) {
      if (!this.starting.has(runId)) return false;
      // Claimed here and about to run (waiting for a worker, or the attempt's commit): end it before it does.
      this.cancelledWhileStarting.add(runId);
      this.debugStarting.get(runId)?.worker.kill();
      await this.finisher.finish(runId, { status: 'CANCELED' });
      return true;
    }
    const done = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (a.settled) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    a.stop('CANCELED', this.o.stopGraceMs);
    await done;
    return true;
  }

  /** Stops retries and forgets the attempts in flight: their ends are no longer committed. */
  close(): void {
    for (const t of this.retryTimers.values()) clearTimeout(t);
    for (const a of this.byAttempt.values()) a.abandon();
    this.waits.close();
  }
}
