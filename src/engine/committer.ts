/** Group commit of the engine's writes, and publishing what each commit changed to live subscribers. */

import type { RunEvent, RunStore, WriteOp, WriteResult } from './store/types';
import { EngineError } from './errors';
import type { Hub } from './realtime/hub';
import { asError } from '../shared/errors';

/** The change-log tailer of an engine sharing its database with other nodes: told after each commit that changed runs. */
export interface ChangeLogTail {
  kick(): void;
}

export interface CommitterOptions {
  /**
   * With several engine nodes, run events reach subscribers through the change-log tailer (in seq order
   * across nodes): it is kicked after each local commit instead of run events being published directly.
   */
  tail?: ChangeLogTail;
  /** Most writes committed in one transaction. */
  maxGroup?: number;
}

interface Pending {
  op: WriteOp;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: writes submitted while a commit is in flight (or in the same tick) go to the store together
 * in one transaction. Each caller is answered only after its write is durable; then the change is published
 * to live subscribers, in commit order.
 */
export class Committer {
  private queue: Pending[] = [];
  private commitsSinceCheckpoint = 0;
  private idleTimer?: NodeJS.Timeout;
  private running = false;
  private scheduled = false;
  private closed = false;
  private readonly tail?: ChangeLogTail;
  private readonly maxGroup: number;

  constructor(
    private readonly store: RunStore,
    private readonly hub: Hub,
    options: CommitterOptions = {},
  ) {
    this.tail = options.tail;
    this.maxGroup = options.maxGroup ?? 512;
  }

  submit(op: WriteOp): Promise<WriteResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: new Error('engine is shutting down') });
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Submits and throws the op's error when it was refused. */
  async commit(op: WriteOp): Promise<Extract<WriteResult, { ok: true }>> {
    const r = await this.submit(op);
    if (!r.ok) throw r.error;
    return r;
  }

  publish(results: readonly WriteResult[], ops: readonly WriteOp[]): void {
    if (this.tail && results.some((r) => r.ok && (r.event || r.claimed?.length))) this.tail.kick();
    results.forEach((r, i) => {
      if (!r.ok) return;
      if (!this.tail) {
        if (r.event) this.hub.publishRun(r.event);
        for (const c of r.claimed ?? []) for (const e of c.events) this.hub.publishRun(e);
      }
      const op = ops[i]!;
      if (r.chunks && r.chunks.length && op.kind === 'chunks') this.hub.publishChunks(op.runId, op.key, r.chunks);
    });
  }

  /** Publishes events committed outside the queue (a claim in its own transaction). */
  publishEvents(events: readonly RunEvent[]): void {
    if (this.tail) {
      if (events.length) this.tail.kick();
      return;
    }
    for (const e of events) this.hub.publishRun(e);
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const group = this.queue.splice(0, this.maxGroup);
        const ops = group.map((p) => p.op);
        let results: WriteResult[];
        try {
          results = await this.store.write(ops);
        } catch (e) {
          const error = asError(e);
          for (const p of group) p.resolve({ ok: false, error: storageError(error) });
          continue;
        }
        this.publish(results, ops);
        // Claims first: the runs they took start on their workers before callers are answered.
        group.forEach((p, i) => p.op.kind === 'claim' && p.resolve(results[i]!));
        group.forEach((p, i) => p.op.kind !== 'claim' && p.resolve(results[i]!));
        this.commitsSinceCheckpoint++;
      }
    } finally {
      this.running = false;
    }
    this.planCheckpoint();
  }

  /**
   * Checkpoints after a quiet moment (no commit for `idleMs`), or at once after `maxCommits` commits without
   * one, so the log stays bounded under sustained load while live traffic rarely waits for a checkpoint.
   */
  private planCheckpoint(idleMs = 100, maxCommits = 3_000): void {
    if (!this.store.checkpoint || this.commitsSinceCheckpoint === 0) return;
    clearTimeout(this.idleTimer);
    const run = (): void => {
      if (this.running || this.queue.length) return this.planCheckpoint(idleMs, maxCommits);
      this.commitsSinceCheckpoint = 0;
      void this.store.checkpoint!().catch(() => undefined);
    };
    if (this.commitsSinceCheckpoint >= maxCommits) return run();
    this.idleTimer = setTimeout(run, idleMs);
    this.idleTimer.unref();
  }

  /** Waits for queued writes, then refuses new ones. */
  async close(): Promise<void> {
    while (this.queue.length || this.running) await new Promise((r) => setTimeout(r, 5));
    this.closed = true;
    clearTimeout(this.idleTimer);
  }
}

/** The store failed as a whole (disk full, read-only, …): nothing of the group was committed. */
export class StorageFailure extends EngineError {
  constructor(override readonly cause: Error) {
    super('storage_unavailable', `the run store could not commit: ${cause.message}`);
    this.name = 'StorageFailure';
  }
}

function storageError(e: Error): Error {
  return new StorageFailure(e);
}
