/**
 * Bounded storage: finished runs older than the retention age, or beyond the newest N, are removed in the background;
 * so are wait tokens settled before that age and the hashes of used one-time tokens once those tokens expired.
 */

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { PrunePolicy, RunStore } from '../store/types';
import { describeError } from '../../shared/errors';

export interface RetentionPolicy {
  /** Finished runs created longer ago than this are removed (0: kept whatever their age). */
  maxAgeMs: number;
  /** Only the newest this many runs are kept (0: no limit). */
  maxRuns: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeMs: 7 * 24 * 3_600_000, maxRuns: 0 };

/** Runs removed per transaction: small enough that a batch holds the store (and, on SQLite, the loop) only briefly. */
const BATCH = 100;
/** Free pages given back to the file system per step once the prune is over (a step holds the store briefly too). */
const RECLAIM_PAGES = 1_000;

/**
 * The retention policy from `RUNLIGHT_RETENTION_DAYS` / `RUNLIGHT_RETENTION_RUNS` (set by the extension from its
 * settings, or by `runlight dev --retention-days / --retention-runs`). Bad values throw, naming the variable.
 */
export function retentionFromEnv(env: NodeJS.ProcessEnv = process.env): RetentionPolicy {
  const read = (name: string, fallback: number, unit: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback * unit;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number ≥ 0 (0 keeps everything), got "${raw}"`);
    return n * unit;
  };
  return {
    maxAgeMs: read('RUNLIGHT_RETENTION_DAYS', DEFAULT_RETENTION.maxAgeMs / 86_400_000, 86_400_000),
    maxRuns: Math.floor(read('RUNLIGHT_RETENTION_RUNS', DEFAULT_RETENTION.maxRuns, 1)),
  };
}

/**
 * Prunes on start (after `firstDelayMs`) and then every `everyMs`, one batch per transaction with the event loop
 * given back between batches, so live feeds keep flowing during a large prune.
 */
export class Retention {
  private first?: NodeJS.Timeout;
  private every?: NodeJS.Timeout;
  private running: Promise<{ runs: number; spent: number }> | undefined;
  private closed = false;

  constructor(
    private readonly store: Pick<RunStore, 'pruneRuns' | 'pruneSpent' | 'reclaim'>,
    private readonly policy: RetentionPolicy,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the policy removes anything at all. */
  get enabled(): boolean {
    return this.policy.maxAgeMs > 0 || this.policy.maxRuns > 0;
  }

  start(firstDelayMs = 5_000, everyMs = 10 * 60_000): void {
    if (!this.enabled || this.closed) return;
    const tick = (): void => void this.prune().catch((e: unknown) => this.log(`retention: ${describeError(e)}`));
    this.first = setTimeout(tick, firstDelayMs).unref();
    this.every = setInterval(tick, everyMs).unref();
  }

  /** One full prune (joined if one is running); resolves with how many runs, and how many spent records, went. */
  prune(): Promise<{ runs: number; spent: number }> {
    this.running ??= this.pruneAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pruneAll(): Promise<{ runs: number; spent: number }> {
    const policy: PrunePolicy = {
      ...(this.policy.maxAgeMs > 0 ? { createdBefore: this.now() - this.policy.maxAgeMs } : {}),
      ...(this.policy.maxRuns > 0 ? { keepNewest: this.policy.maxRuns } : {}),
    };
    const runs = await this.drain(
      () => this.store.pruneRuns(policy, BATCH),
      () => this.log('retention: pruning finished runs…'),
    );
    const spent = await this.drain(() => this.store.pruneSpent(this.now(), policy.createdBefore, BATCH));
    // The freed pages go back to the file system a step at a time (about 4 MB each).
    const removed = runs + spent;
    for (let step = 0; removed > 0 && this.store.reclaim && !this.closed && step < Math.ceil(removed / 10); step++) {
      if (!(await this.store.reclaim(RECLAIM_PAGES))) break;
      await yieldToLoop();
    }
    if (runs > 0) this.log(`retention: removed ${runs} finished run(s) with their events, streams and logs`);
    if (spent > 0) this.log(`retention: removed ${spent} settled wait token(s) and used one-time token record(s) past expiry`);
    return { runs, spent };
  }

  /** Calls `step` (one batch, one transaction) until it removes less than a batch, giving the loop back in between. */
  private async drain(step: () => Promise<number>, onFirst?: () => void): Promise<number> {
    let removed = 0;
    while (!this.closed) {
      const n = await step();
      if (removed === 0 && n > 0) onFirst?.();
      removed += n;
      if (n < BATCH) break;
      await yieldToLoop();
    }
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.first);
    clearInterval(this.every);
    await this.running?.catch(() => undefined);
  }
}
