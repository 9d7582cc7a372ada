/**
 * The executor: what the engine talks to about running runs (start, recover, claim, cancel, close). It owns how
 * the executor's jobs are put together; the jobs themselves are the attempts, the scheduler, the leases and
 * the maintenance.
 */

import type { Committer } from '../committer';
import type { RunEvent, RunStore } from '../store/types';
import type { WorkerPool } from './pool';
import { Attempts, type AttemptOptions, type TaskLookup } from './attempts';
import { Scheduler } from './scheduler';
import { Leases } from './leases';
import { Maintenance } from './maintenance';
import { RunFinisher } from './run-end';
import { WorkerRequests, type RunWrites } from './worker-requests';
import { Waits } from './waits';
import type { TokenService } from '../runs/tokens';
import type { Hub } from '../realtime/hub';

export type { TaskLookup } from './attempts';
export type { RunWrites } from './worker-requests';

export interface ExecutorOptions extends AttemptOptions {
  /** Several engine nodes share the store: recover only runs whose lease expired. */
  shared: boolean;
  /** Committed run events, in commit order (every node's, on a shared database): the waits watch awaited runs. */
  runEvents: Pick<Hub, 'onRun'>;
  /** Wait tokens: the waits watch the tokens runs wait on. */
  tokens: Pick<TokenService, 'watch' | 'get'>;
  /** Most runs waiting on this node at once, each holding a parked worker process (RUNLIGHT_MAX_PARKED). */
  maxParked: number;
}

/**
 * Claims queued runs, runs each attempt on a warm worker, and turns what the worker reports (metadata, chunks,
 * tags, logs, completion) into committed writes. Ends runs CRASHED when their worker dies, TIMED_OUT past
 * maxDuration, CANCELED on cancel, and retries failures while attempts remain.
 */
export class Executor {
  private readonly finisher: RunFinisher;
  private readonly attempts: Attempts;
  private readonly scheduler: Scheduler;
  private readonly leases: Leases;
  private readonly maintenance: Maintenance;

  constructor(store: RunStore, committer: Committer, pool: WorkerPool, tasks: TaskLookup, writes: RunWrites, o: ExecutorOptions) {
    // Built in the order they depend on each other, each given what it uses in its constructor: the attempts
    // first; then the scheduler, which hands them the runs it claims and subscribes to the two events that may
    // let it claim more (the pool's `idle`, the attempts' `ended`), so neither needs to know it; then the leases
    // and the maintenance, which wake it. `o` is passed on as it is: its apiUrl is read when an attempt starts.
    this.finisher = new RunFinisher(committer, o.log);
    const waits = new Waits(store, committer, pool, o.runEvents, o.tokens, o);
    this.attempts = new Attempts(store, committer, pool, tasks, new WorkerRequests(store, committer, writes), waits, this.finisher, o);
    this.scheduler = new Scheduler(store, committer, pool, tasks, this.attempts, o);
    this.leases = new Leases(store, committer, this.attempts, this.scheduler, o);
    this.maintenance = new Maintenance(store, committer, this.scheduler, o.log);
  }

  /** Takes back the runs a stopped engine left executing; see `Leases.recover`. */
  recover(): Promise<number> {
    return this.leases.recover();
  }

  start(): void {
    this.maintenance.start();
    this.leases.start();
    this.scheduler.pump();
  }

  /** Runs may be queued (triggered, recovered, due): claims as many as there are idle workers. */
  pump(): void {
    this.scheduler.pump();
  }

  /** Runs are being queued by `committed`; see `Scheduler.queued`. */
  queued(committed: Promise<unknown>): void {
    this.scheduler.queued(committed);
  }

  /** This node is running, starting or about to retry an attempt of the run. */
  isExecuting(runId: string): boolean {
    return this.attempts.isExecuting(runId);
  }

  /** Cancels a run executing here (kills its worker), being started here, or waiting for a retry. */
  cancel(runId: string): Promise<boolean> {
    return this.attempts.cancel(runId);
  }

  /**
   * Events of a change log shared by several engine nodes: runs queued through another node are claimed here
   * too, and a run cancelled through another node has its attempt stopped if this node is executing it.
   */
  onSharedEvents(events: readonly RunEvent[]): void {
    if (events.some((e) => e.type === 'created' || e.type === 'status')) this.pump();
    for (const e of events) {
      if (e.type === 'status' && this.isExecuting(e.runId) && (JSON.parse(e.data) as { status: string }).status === 'CANCELED') {
        void this.cancel(e.runId);
      }
    }
  }

  async close(): Promise<void> {
    this.scheduler.close();
    this.maintenance.close();
    this.leases.close();
    this.attempts.close();
    this.finisher.close();
  }
}
