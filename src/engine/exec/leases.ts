/** The leases on runs: renewing those this node holds, and taking back runs whose holder stopped (recovery). */

import type { Committer } from '../committer';
import type { RunStore } from '../store/types';
import { withAttemptLost } from '../runs/model';
import type { Attempts } from './attempts';
import type { Scheduler } from './scheduler';
import { describeError } from '../../shared/errors';
import { nowIso } from '../clock';

/** Statuses of a run held by a node. A WAITING run's worker is gone with its engine (no checkpoints): it starts over or ends. */
const HELD: ReadonlySet<string> = new Set(['DEQUEUED', 'EXECUTING', 'WAITING']);

export interface LeaseOptions {
  node: string;
  /** Milliseconds a claimed run stays held without renewal; renewed every third of it. */
  leaseMs: number;
  /** Several engine nodes share the store: recover only runs whose lease expired. */
  shared: boolean;
  log: (line: string) => void;
}

/**
 * Renews the leases of the runs the attempts hold. Runs left DEQUEUED/EXECUTING by an engine that stopped are
 * queued again for the scheduler while attempts remain, else CRASHED: on start, and on a shared database also
 * whenever their lease expires.
 */
export class Leases {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Pick<RunStore, 'expiredLeases' | 'listRuns' | 'renewLeases'>,
    private readonly committer: Committer,
    private readonly attempts: Pick<Attempts, 'held' | 'isExecuting'>,
    private readonly scheduler: Pick<Scheduler, 'pump'>,
    private readonly o: LeaseOptions,
  ) {}

  /** Renews leases every third of their length; on a shared database, recovers expired ones as often. */
  start(): void {
    this.timer = setInterval(
      () => {
        void this.renew().catch((e: unknown) => this.o.log(`leases: ${describeError(e)}`));
        if (this.o.shared) void this.recover().catch((e: unknown) => this.o.log(`recovery: ${describeError(e)}`));
      },
      Math.max(100, Math.floor(this.o.leaseMs / 3)),
    );
    this.timer.unref();
  }

  /** Keeps the leases of the runs this node holds from expiring. */
  private async renew(): Promise<void> {
    const held = this.attempts.held();
    if (held.length) await this.store.renewLeases(this.o.node, held, Date.now() + this.o.leaseMs);
  }

  /**
   * Runs left DEQUEUED/EXECUTING/WAITING by an engine that died are retried when attempts remain, else CRASHED.
   * Alone on a workspace (SQLite) every such run is orphaned; on a shared database only runs whose lease
   * expired are (their node stopped renewing it).
   */
  async recover(): Promise<number> {
    const stuck = this.o.shared
      ? await this.store.expiredLeases(Date.now(), 1000)
      : await this.store.listRuns({ status: ['DEQUEUED', 'EXECUTING', 'WAITING'] }, { size: 10_000 });
    let recovered = 0;
    for (const r of stuck) {
      if (this.attempts.isExecuting(r.run.id)) continue;
      const holder = r.lockedBy;
      const res = await this.committer.submit({
        kind: 'update',
        runId: r.run.id,
        apply: (rec) => {
          // Another node may have recovered it first, or it finished meanwhile.
          if (rec.lockedBy !== holder || !HELD.has(rec.run.status)) return undefined;
          // Its holder may have renewed it (or started the attempt) since the lease was read.
          if (this.o.shared && (rec.leaseUntil ?? 0) >= Date.now()) return undefined;
          return withAttemptLost(rec, nowIso());
        },
      });
      if (res.ok && res.event) recovered++;
    }
    if (recovered) {
      this.o.log(`recovered ${recovered} run(s) left executing by a stopped engine`);
      this.scheduler.pump();
    }
    return recovered;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
