/** Time-driven status changes of runs waiting to run: DELAYED runs that are due, QUEUED runs past their ttl. */

import type { Committer } from '../committer';
import type { RunStore } from '../store/types';
import { withStatus } from '../runs/model';
import type { Scheduler } from './scheduler';
import { describeError } from '../../shared/errors';
import { nowIso } from '../clock';

/** Every 250 ms, due DELAYED runs become QUEUED; every 2 s, QUEUED runs past their ttl EXPIRE. Queued runs wake the scheduler. */
export class Maintenance {
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private closed = false;

  constructor(
    private readonly store: Pick<RunStore, 'listRuns'>,
    private readonly committer: Committer,
    private readonly scheduler: Pick<Scheduler, 'pump'>,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), 250);
    this.timer.unref();
  }

  /** Due DELAYED runs become QUEUED; QUEUED runs past their ttl EXPIRE. */
  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      this.ticks++;
      const statuses: ('DELAYED' | 'QUEUED')[] = this.ticks % 8 === 0 ? ['DELAYED', 'QUEUED'] : ['DELAYED'];
      const due = await this.store.listRuns({ status: statuses }, { size: 1000 });
      const t = Date.now();
      let queued = false;
      for (const r of due) {
        if (r.run.status === 'DELAYED' && r.run.delayedUntil && Date.parse(r.run.delayedUntil) <= t) {
          await this.committer.submit({
            kind: 'update',
            runId: r.run.id,
            apply: (rec) => (rec.run.status === 'DELAYED' ? withStatus(rec, { status: 'QUEUED', now: nowIso() }) : undefined),
          });
          queued = true;
        } else if (r.run.status === 'QUEUED' && r.ttlMs !== undefined && Date.parse(r.run.createdAt) + r.ttlMs <= t) {
          await this.committer.submit({
            kind: 'update',
            runId: r.run.id,
            apply: (rec) =>
              rec.run.status === 'QUEUED'
                ? withStatus(rec, {
                    status: 'EXPIRED',
                    now: nowIso(),
                    error: { name: 'Expired', message: `Run expired: it waited in the queue longer than its ttl (${r.run.ttl}).` },
                  })
                : undefined,
          });
        } else if (r.run.status === 'QUEUED') queued = true;
      }
      if (queued) this.scheduler.pump();
    } catch (e) {
      this.log(`maintenance: ${describeError(e)}`);
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}
