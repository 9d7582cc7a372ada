/**
 * Runs that wait: a task's `wait.for/until` or `triggerAndWait` parks its worker outside the pool's count while
 * the run is WAITING, and resumes it (EXECUTING again) when the time is due or the runs it waits for finished.
 */

import type { WaitOn, WaitedRun, WaitedToken } from '../../protocol/ipc';
import type { TokenService } from '../runs/tokens';
import { timeoutError } from '../runs/tokens';
import type { WaitTokenRecord } from '../store/types';
import type { Committer } from '../committer';
import type { Hub } from '../realtime/hub';
import type { RunRecord, RunStore } from '../store/types';
import { StoreRefusal } from '../store/types';
import { withResumed, withWaiting } from '../runs/model';
import { isTerminal } from '../../shared/status';
import { describeError } from '../../shared/errors';
import type { RunStatus } from '../../protocol/run';
import { nowIso } from '../clock';
import type { Attempt, WaitRequest } from './attempt';
import type { WorkerPool } from './pool';

export interface WaitOptions {
  node: string;
  /** Most runs waiting on this node at once, each holding a parked worker process; a wait past it is refused. */
  maxParked: number;
  log: (line: string) => void;
}

/** setTimeout's longest delay; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiting {
  a: Attempt;
  waitId: string;
  on: WaitOn;
  /** Set once the run is WAITING and its worker parked. */
  parked: boolean;
  resuming: boolean;
  timer?: NodeJS.Timeout;
  stops: (() => void)[];
}

/** The waits of the attempts this node runs. */
export class Waits {
  private readonly byAttempt = new Map<string, Waiting>();
  private closed = false;

  constructor(
    private readonly store: Pick<RunStore, 'getRun'>,
    private readonly committer: Committer,
    private readonly pool: Pick<WorkerPool, 'park' | 'unpark'>,
    private readonly runEvents: Pick<Hub, 'onRun'>,
    private readonly tokens: Pick<TokenService, 'watch' | 'get'>,
    private readonly o: WaitOptions,
  ) {}

  /** Number of runs waiting here (each holds a parked worker). */
  get count(): number {
    return this.byAttempt.size;
  }

  /**
   * Records the wait (the run becomes WAITING, with what it waits for), parks the worker, acknowledges, then
   * watches for the end of the wait. Refused (a failed ack, the task's wait throws) past `maxParked`.
   */
  async handle(a: Attempt, m: WaitRequest): Promise<void> {
    const refuse = (message: string): void => a.worker.send({ type: 'ack', requestId: m.requestId, error: message });
    if (this.byAttempt.has(a.id)) return refuse('this attempt is already waiting; await one wait before starting another');
    if (this.byAttempt.size >= this.o.maxParked) {
      return refuse(
        `${this.byAttempt.size} runs are already waiting on this engine, each keeping its worker process parked ` +
          `(RUNLIGHT_MAX_PARKED=${this.o.maxParked}); this wait was refused. Raise RUNLIGHT_MAX_PARKED or wait on fewer runs at once.`,
      );
    }
    const w: Waiting = { a, waitId: m.waitId, on: m.on, parked: false, resuming: false, stops: [] };
    // Counted from here, so concurrent waits cannot pass the bound while this one commits.
    this.byAttempt.set(a.id, w);
    try {
      if (m.on.kind === 'runs') {
        for (const id of m.on.runIds) if (!(await this.store.getRun(id))) throw new StoreRefusal('run_not_found', `run ${id} does not exist`);
      } else if (m.on.kind === 'token') {
        await this.tokens.get(m.on.tokenId);
      } else if (!Number.isFinite(m.on.until)) throw new StoreRefusal('invalid_request', 'wait: the time to wait until is not a valid date');
      await this.committer.commit({
        kind: 'update',
        runId: a.runId,
        apply: (r) => {
          if (r.lockedBy !== this.o.node || r.run.attemptCount !== a.number)
            throw new StoreRefusal('run_finished', `run ${a.runId} is no longer held by this attempt`);
          return withWaiting(r, m.on, nowIso());
        },
      });
    } catch (e) {
      this.byAttempt.delete(a.id);
      return refuse(describeError(e));
    }
    if (a.settled || this.byAttempt.get(a.id) !== w) return;
    this.pool.park(a.worker);
    w.parked = true;
    a.pause();
    a.worker.send({ type: 'ack', requestId: m.requestId });
    this.watch(w);
  }

  /** Watches for the end of the wait: a timer, or the awaited runs' events (which also come from other nodes). */
  private watch(w: Waiting): void {
    const on = w.on;
    if (on.kind === 'time') {
      const arm = (): void => {
        const left = on.until - Date.now();
        if (left <= 0) return void this.resume(w);
        w.timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      arm();
      return;
    }
    if (on.kind === 'token') {
      // Completed (here or, read by the tokens' sweep, on another node) or timed out: the timer times it out on time.
      w.stops.push(this.tokens.watch(on.tokenId, () => void this.resume(w)));
      void this.tokens.get(on.tokenId).then(
        (t) => {
          if (t.status !== 'WAITING' || t.timeoutAt === undefined) return;
          const arm = (): void => {
            const left = t.timeoutAt! - Date.now();
            if (left > 0) return void (w.timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS)));
            this.tokens.get(on.tokenId).catch((e: unknown) => this.o.log(`run ${w.a.runId}: could not time out its wait token: ${describeError(e)}`));
          };
          arm();
        },
        (e: unknown) => this.o.log(`run ${w.a.runId}: could not read the wait token it waits for: ${describeError(e)}`),
      );
      return;
    }
    const pending = new Set(on.runIds);
    const finished = (id: string): void => {
      pending.delete(id);
      if (pending.size === 0) void this.resume(w);
    };
    // Listen first, then read: a run that finishes in between is seen by one or the other.
    for (const id of pending) {
      w.stops.push(
        this.runEvents.onRun(id, (e) => {
          if (isTerminal((JSON.parse(e.data) as { status: RunStatus }).status)) finished(id);
        }),
      );
    }
    void (async () => {
      for (const id of on.runIds) {
        const r = await this.store.getRun(id);
        if (r && isTerminal(r.run.status)) finished(id);
      }
    })().catch((e: unknown) => this.o.log(`run ${w.a.runId}: could not read the runs it waits for: ${describeError(e)}`));
  }

  /** The wait is over: the run is EXECUTING again, its worker counts again and is told to go on. */
  private async resume(w: Waiting): Promise<void> {
    if (w.resuming || this.closed) return;
    w.resuming = true;
    this.stopWatching(w);
    const { a } = w;
    for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5000)) {
      const r = await this.committer.submit({
        kind: 'update',
        runId: a.runId,
        apply: (rec) => (rec.lockedBy === this.o.node && rec.run.attemptCount === a.number ? withResumed(rec, nowIso()) : undefined),
      });
      // No change: the run no longer waits here (cancelled, or taken over); the attempt's end takes care of its worker.
      if (r.ok && !r.event) return;
      if (r.ok) break;
      // Finished meanwhile (cancelled): the attempt's end takes care of its worker.
      if (r.error instanceof StoreRefusal || this.closed || a.settled) return;
      if (delayMs === 250) this.o.log(`run ${a.runId}: could not resume it: ${r.error.message}; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    if (a.settled || this.byAttempt.get(a.id) !== w) return;
    let runs: WaitedRun[] | undefined;
    if (w.on.kind === 'runs') {
      const records = await Promise.all(w.on.runIds.map((id) => this.store.getRun(id)));
      runs = records.map((rec, i) => waitedRun(w.on.kind === 'runs' ? w.on.runIds[i]! : '', rec));
    }
    let token: WaitedToken | undefined;
    if (w.on.kind === 'token') {
      const id = w.on.tokenId;
      token = await this.tokens.get(id).then(waitedToken, (e: unknown) => ({
        id,
        ok: false,
        error: { name: 'WaitpointError', message: `wait token ${id}: ${describeError(e)}` },
      }));
    }
    if (a.settled || this.byAttempt.get(a.id) !== w) return;
    this.byAttempt.delete(a.id);
    this.pool.unpark(a.worker);
    a.resume();
    a.worker.send({ type: 'resume', attemptId: a.id, waitId: w.waitId, ...(runs ? { runs } : {}), ...(token ? { token } : {}) });
  }

  private stopWatching(w: Waiting): void {
    clearTimeout(w.timer);
    for (const stop of w.stops.splice(0)) stop();
  }

  /** The attempt ended (or its worker died) while waiting: stop watching, and count its worker again if alive. */
  forget(a: Attempt): void {
    const w = this.byAttempt.get(a.id);
    if (!w) return;
    this.byAttempt.delete(a.id);
    this.stopWatching(w);
    if (w.parked) this.pool.unpark(a.worker);
  }

  close(): void {
    this.closed = true;
    for (const w of this.byAttempt.values()) this.stopWatching(w);
  }
}

/** A settled token as the task that waited for it sees it: its output, or Trigger.dev's timeout error. */
function waitedToken(t: WaitTokenRecord): WaitedToken {
  if (t.status === 'COMPLETED') return { id: t.id, ok: true, ...(t.output !== undefined ? { output: JSON.parse(t.output) as WaitedToken['output'] } : {}) };
  return { id: t.id, ok: false, error: { name: 'WaitpointTimeoutError', message: timeoutError(t).message } };
}

/** A finished run as the task that waited for it sees it: its output, or its error. */
function waitedRun(id: string, r: RunRecord | undefined): WaitedRun {
  if (!r) return { id, taskIdentifier: '', ok: false, error: { name: 'RunNotFound', message: `run ${id} does not exist` } };
  const { run } = r;
  if (run.status === 'COMPLETED') {
    return {
      id,
      taskIdentifier: run.taskIdentifier,
      ok: true,
      ...(run.output !== undefined ? { output: run.output } : {}),
      ...(run.output !== undefined && run.outputMeta !== undefined ? { outputMeta: run.outputMeta } : {}),
    };
  }
  return {
    id,
    taskIdentifier: run.taskIdentifier,
    ok: false,
    error: run.error ?? { name: 'RunNotCompleted', message: `run ${id} ended ${run.status}` },
  };
}
