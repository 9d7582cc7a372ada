/** When this node claims queued runs: as many as its pool can start now, and only while queued runs may exist. */

import type { Committer } from '../committer';
import type { ClaimedRun, RunStore } from '../store/types';
import type { WorkerPool } from './pool';
import type { Attempts, TaskLookup } from './attempts';
import { describeError } from '../../shared/errors';
import { SerialJob } from '../serial-job';

export interface SchedulerOptions {
  node: string;
  /** Milliseconds a claimed run stays held without renewal. */
  leaseMs: number;
  /** Several engine nodes share the store: a claim is a transaction of its own. */
  shared: boolean;
  log: (line: string) => void;
}

/**
 * Claims queued runs for the workers the pool has or may start and hands each to the attempts. It claims again whenever it may find
 * more: runs were queued (`pump()`), a worker became idle (the pool's `idle`), an attempt ended (`ended`).
 */
export class Scheduler {
  private readonly claims = new SerialJob(
    () => this.claimPass(),
    (e) => {
      this.mayHaveQueued = true;
      this.o.log(`scheduler: ${describeError(e)}`);
    },
    () => this.closed,
  );
  /**
   * Queued runs may exist that this node has not tried to claim since: set by every `pump()` (a run was
   * queued, recovered, or another node changed runs), cleared by a claim that found fewer than it asked for.
   * A worker going idle claims only while it is set, so an idle engine runs no empty claim transactions.
   */
  private mayHaveQueued = true;
  /**
   * The last claim passed over runs whose queue was at its limit: a run ending or starting to wait frees a slot,
   * so the next idle worker or ended attempt claims again.
   */
  private queueBlocked = false;
  private closed = false;
  /** A worker became idle or an attempt ended. */
  private readonly wake = (): void => {
    if (this.queueBlocked) this.mayHaveQueued = true;
    this.claimIfQueued();
  };

  constructor(
    private readonly store: Pick<RunStore, 'claimQueued'>,
    private readonly committer: Committer,
    private readonly pool: Pick<WorkerPool, 'capacity' | 'on' | 'off'>,
    private readonly tasks: Pick<TaskLookup, 'ready'>,
    private readonly attempts: Pick<Attempts, 'launchClaimed' | 'on' | 'off'>,
    private readonly o: SchedulerOptions,
  ) {
    pool.on('idle', this.wake);
    attempts.on('ended', this.wake);
  }

  /** Runs may be queued (triggered, recovered, due): claims as many as the pool can start. */
  pump(): void {
    this.mayHaveQueued = true;
    this.claimIfQueued();
  }

  /**
   * Runs are being queued by `committed`. Alone on the store, the claim joins that commit's group; on a
   * shared database the claim is a transaction of its own, so it waits until the runs are committed.
   */
  queued(committed: Promise<unknown>): void {
    if (this.o.shared)
      void committed.then(
        () => this.pump(),
        () => undefined,
      );
    else this.pump();
  }

  /** Claims as many queued runs as the pool can start, while queued runs may exist (a worker freed up). */
  private claimIfQueued(): void {
    if (this.closed || !this.mayHaveQueued) return;
    this.claims.kick();
  }

  /** One pass of claims: while queued runs may exist and workers are idle. */
  private async claimPass(): Promise<void> {
    await this.tasks.ready();
    while (this.mayHaveQueued && this.pool.capacity > 0 && !this.closed) {
      const limit = this.pool.capacity;
      // Cleared before the claim: a run queued while it is in flight sets it again.
      this.mayHaveQueued = false;
      const { claimed, blocked } = await this.claim(limit);
      this.queueBlocked = blocked;
      if (claimed.length === limit) this.mayHaveQueued = true;
      if (claimed.length === 0) break;
      for (const { record } of claimed) void this.attempts.launchClaimed(record);
    }
  }

  /**
   * Claims and starts (DEQUEUED, then EXECUTING with the new attempt) up to `limit` queued runs. Alone on its
   * store, a claim joins the committer's group: one transaction with the writes submitted with it (the end of
   * the worker's previous run, the trigger that queued the run). On a database shared by several nodes it is
   * its own short transaction, running alongside the committer's instead of waiting for its round trips.
   */
  private async claim(limit: number): Promise<{ claimed: ClaimedRun[]; blocked: boolean }> {
    const now = Date.now();
    if (this.o.shared) {
      const report = { blocked: false };
      const claimed = await this.store.claimQueued(this.o.node, limit, now, this.o.leaseMs, { startAttempt: true, report });
      this.committer.publishEvents(claimed.flatMap((c) => c.events));
      return { claimed, blocked: report.blocked };
    }
    const r = await this.committer.commit({ kind: 'claim', node: this.o.node, limit, now, leaseMs: this.o.leaseMs, startAttempt: true });
    return { claimed: r.claimed ?? [], blocked: r.blocked ?? false };
  }

  /** Stops claiming and listening to the pool and the attempts. */
  close(): void {
    this.closed = true;
    this.pool.off('idle', this.wake);
    this.attempts.off('ended', this.wake);
  }
}
