/** How a run's end is written: the error a worker that died leaves it, and a final write that outlasts a store refusing writes for a while. */

import type { Json, RunError, ValueMeta } from '../../protocol/run';
import { StorageFailure, type Committer } from '../committer';
import type { RunRecord } from '../store/types';
import { StoreRefusal } from '../store/types';
import { withStatus } from '../runs/model';
import { nowIso } from '../clock';

export type RunEnd = { status: 'COMPLETED' | 'FAILED' | 'CRASHED' | 'CANCELED' | 'TIMED_OUT'; output?: Json; outputMeta?: ValueMeta; error?: RunError };

/** The error of a run whose worker exited while running it (crashed, or ran out of memory), with its stderr's tail. */
export function workerExitError(code: number | null, signal: NodeJS.Signals | null, stderr: string, maxHeapMb: number): RunError {
  const oom = /heap out of memory|Reached heap limit/i.test(stderr);
  const message = oom
    ? `The worker ran out of memory (heap limit ${maxHeapMb} MB) and was stopped.`
    : `The worker process exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}).`;
  const tail = stderr.trim().split('\n').slice(-15).join('\n');
  return { name: oom ? 'OutOfMemoryError' : 'TaskCrashed', message, ...(tail ? { stackTrace: tail } : {}) };
}

/** Commits the final status of runs; while the store as a whole fails, keeps trying until it is closed. */
export class RunFinisher {
  private closed = false;

  constructor(
    private readonly committer: Committer,
    private readonly log: (line: string) => void,
  ) {}

  /** Ends the run as `end` says, unless `holds` (checked inside the commit) finds it is no longer this attempt's. */
  async finish(runId: string, end: RunEnd & { attemptMs?: number }, holds: (r: RunRecord) => boolean = () => true): Promise<void> {
    // The store may refuse writes for a while (disk full, read-only): keep trying, so the run does not stay
    // EXECUTING forever once the store accepts writes again.
    for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5000)) {
      const r = await this.committer.submit({ kind: 'update', runId, apply: (rec) => (holds(rec) ? withStatus(rec, { ...end, now: nowIso() }) : undefined) });
      if (r.ok || r.error instanceof StoreRefusal) return;
      if (delayMs === 250) this.log(`could not finish run ${runId}: ${r.error.message}${r.error instanceof StorageFailure ? '; retrying' : ''}`);
      if (!(r.error instanceof StorageFailure) || this.closed) return;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** Stops the retries of final writes the store failed. */
  close(): void {
    this.closed = true;
  }
}
