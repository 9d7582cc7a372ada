import { isTerminal, type Json, type RunError } from '../../protocol/run';
import type { WorkerToEngine } from '../../protocol/ipc';
import { encodeChunk } from '../../protocol/chunk';
import { LOG_STREAM_KEY, type LogChunk } from '../../protocol/sse';
import { LIMITS, type MetadataOperation } from '../../protocol/api';
import { StorageFailure, type Committer } from '../committer';
import type { ClaimedRun, RunRecord, RunStore } from '../store/types';
import { StoreRefusal } from '../store/types';
import { withAttemptStarted, withStatus, withTags } from '../runs/model';
import { newId } from '../ids';
import type { WorkerHandle, WorkerPool } from './pool';

/** Where a task's code is: the engine's task catalog answers this. */
export interface TaskLookup {
  /** Resolves once the first build of the workspace's tasks is done. */
  ready(): Promise<unknown>;
  bundleFor(taskId: string): string | undefined;
}

/** The run service's writes a task reaches: metadata operations and stream chunks. */
export interface RunWrites {
  updateMetadata(runId: string, operations: readonly MetadataOperation[]): Promise<unknown>;
  appendChunks(runId: string, key: string, bodies: string[]): Promise<unknown>;
}

interface Attempt {
  id: string;
  runId: string;
  worker: WorkerHandle;
  startedAt: number;
  timer?: NodeJS.Timeout;
  /** Set when the engine itself ends the attempt (cancel, timeout) before killing the worker. */
  ending?: 'CANCELED' | 'TIMED_OUT';
  settled: boolean;
  number: number;
  /** The run's parent and root, read once when a write first targets them. */
  lineage?: Promise<{ parent: string; root: string }>;
}

export interface ExecutorOptions {
  node: string;
  apiUrl: string;
  accessToken: string;
  maxHeapMb: number;
  /** Milliseconds a claimed run stays held without renewal; renewed every third of it. */
  leaseMs: number;
  /** Several engine nodes share the store: recover only runs whose lease expired. */
  shared: boolean;
  log: (line: string) => void;
}

const now = (): string => new Date().toISOString();

/** The message of anything thrown: an Error's own, else the value as text (an object without one: a fixed text). */
function thrownMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  try {
    return String(thrown);
  } catch {
    return 'a value that is not an Error was thrown';
  }
}

function retryDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 1));
}

/**
 * Claims queued runs, runs each attempt on a warm worker, and turns what the worker reports (metadata, chunks,
 * tags, logs, completion) into committed writes. Ends runs CRASHED when their worker dies, TIMED_OUT past
 * maxDuration, CANCELED on cancel, and retries failures while attempts remain.
 */
export class Executor {
  private readonly byAttempt = new Map<string, Attempt>();
  private readonly byRun = new Map<string, Attempt>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** Runs claimed by this node whose attempt is being started: their leases are renewed too. */
  private readonly starting = new Set<string>();
  /** Runs cancelled while their attempt was being started: that attempt is never sent to a worker. */
  private readonly cancelledWhileStarting = new Set<string>();
  private pumping = false;
  private pumpAgain = false;
  /**
   * Queued runs may exist that this node has not tried to claim since: set by every `pump()` (a run was
   * queued, recovered, or another node changed runs), cleared by a claim that found fewer than it asked for.
   * A worker going idle claims only while it is set, so an idle engine runs no empty claim transactions.
   */
  private mayHaveQueued = true;
  private closed = false;
  private tick?: NodeJS.Timeout;
  private ticks = 0;
  private leaseTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: RunStore,
    private readonly committer: Committer,
    private readonly pool: WorkerPool,
    private readonly tasks: TaskLookup,
    private readonly writes: RunWrites,
    private readonly o: ExecutorOptions,
  ) {
    pool.on('idle', () => this.claimIfQueued());
  }

  /**
   * Runs left DEQUEUED/EXECUTING by an engine that died are retried when attempts remain, else CRASHED.
   * Alone on a workspace (SQLite) every such run is orphaned; on a shared database only runs whose lease
   * expired are (their node stopped renewing it).
   */
  async recover(): Promise<number> {
    const stuck = this.o.shared
      ? await this.store.expiredLeases(Date.now(), 1000)
      : await this.store.listRuns({ status: ['DEQUEUED', 'EXECUTING'] }, { size: 10_000 });
    let recovered = 0;
    for (const r of stuck) {
      if (this.byRun.has(r.run.id) || this.retryTimers.has(r.run.id) || this.starting.has(r.run.id)) continue;
      const holder = r.lockedBy;
      const retry = r.run.attemptCount < r.maxAttempts;
      const res = await this.committer.submit({
        kind: 'update',
        runId: r.run.id,
        apply: (rec) => {
          // Another node may have recovered it first, or it finished meanwhile.
          if (rec.lockedBy !== holder || (rec.run.status !== 'DEQUEUED' && rec.run.status !== 'EXECUTING')) return undefined;
          // Its holder may have renewed it (or started the attempt) since the lease was read.
          if (this.o.shared && (rec.leaseUntil ?? 0) >= Date.now()) return undefined;
          return withStatus(
            rec,
            retry
              ? { status: 'QUEUED', now: now() }
              : {
                  status: 'CRASHED',
                  now: now(),
                  error: { name: 'EngineStopped', message: 'The engine running this run stopped; it was not retried because no attempts remain.' },
                },
          );
        },
      });
      if (res.ok && res.event) recovered++;
    }
    if (recovered) {
      this.o.log(`recovered ${recovered} run(s) left executing by a stopped engine`);
      this.pump();
    }
    return recovered;
  }

  /** Keeps the leases of the runs this node holds from expiring. */
  private async renewLeases(): Promise<void> {
    const held = [...this.starting, ...this.byRun.keys(), ...this.retryTimers.keys()];
    if (held.length) await this.store.renewLeases(this.o.node, held, Date.now() + this.o.leaseMs);
  }

  start(): void {
    this.tick = setInterval(() => void this.maintain(), 250);
    this.tick.unref();
    this.leaseTimer = setInterval(() => {
      void this.renewLeases().catch((e: unknown) => this.o.log(`leases: ${(e as Error).message}`));
      if (this.o.shared) void this.recover().catch((e: unknown) => this.o.log(`recovery: ${(e as Error).message}`));
    }, Math.max(100, Math.floor(this.o.leaseMs / 3)));
    this.leaseTimer.unref();
    this.pump();
  }

  /** Runs may be queued (triggered, recovered, due): claims as many as there are idle workers. */
  pump(): void {
    this.mayHaveQueued = true;
    this.claimIfQueued();
  }

  /**
   * Runs are being queued by `committed`. Alone on the store, the claim joins that commit's group; on a
   * shared database the claim is a transaction of its own, so it waits until the runs are committed.
   */
  queued(committed: Promise<unknown>): void {
    if (this.o.shared) void committed.then(() => this.pump(), () => undefined);
    else this.pump();
  }

  /** Claims as many queued runs as there are idle workers, while queued runs may exist (a worker freed up). */
  private claimIfQueued(): void {
    if (this.closed || !this.mayHaveQueued) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        await this.tasks.ready();
        do {
          this.pumpAgain = false;
          while (this.mayHaveQueued && this.pool.idleCount > 0 && !this.closed) {
            const limit = this.pool.idleCount;
            // Cleared before the claim: a run queued while it is in flight sets it again.
            this.mayHaveQueued = false;
            const claimed = await this.claim(limit);
            if (claimed.length === limit) this.mayHaveQueued = true;
            if (claimed.length === 0) break;
            for (const { record } of claimed) void this.launchClaimed(record);
          }
        } while (this.pumpAgain && !this.closed);
      } catch (e) {
        this.mayHaveQueued = true;
        this.o.log(`scheduler: ${(e as Error).message}`);
      } finally {
        this.pumping = false;
      }
    })();
  }

  /**
   * Claims and starts (DEQUEUED, then EXECUTING with the new attempt) up to `limit` queued runs. Alone on its
   * store, a claim joins the committer's group: one transaction with the writes submitted with it (the end of
   * the worker's previous run, the trigger that queued the run). On a database shared by several nodes it is
   * its own short transaction, running alongside the committer's instead of waiting for its round trips.
   */
  private async claim(limit: number): Promise<ClaimedRun[]> {
    const now = Date.now();
    if (this.o.shared) {
      const claimed = await this.store.claimQueued(this.o.node, limit, now, this.o.leaseMs, { startAttempt: true });
      this.committer.publishEvents(claimed.flatMap((c) => c.events));
      return claimed;
    }
    const { claimed = [] } = await this.committer.commit({ kind: 'claim', node: this.o.node, limit, now, leaseMs: this.o.leaseMs, startAttempt: true });
    return claimed;
  }

  /**
   * Runs the attempt a claim started on an idle worker; should another user of the pool have taken the
   * worker meanwhile (task indexing), on the next one free. The lease is renewed while it waits.
   */
  private launchClaimed(record: RunRecord): Promise<void> {
    return this.whileStarting(record.run.id, async () => this.launch(record, this.pool.tryAcquire() ?? (await this.pool.acquire())));
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
            const u = withAttemptStarted(rec, this.o.node, Date.now() + this.o.leaseMs, now());
            record = u.record;
            return u;
          },
        });
        if (!record) throw new Error('the run was not started');
      } catch (e) {
        this.pool.release(worker);
        if (!(e instanceof StoreRefusal)) this.o.log(`could not start run ${runId}: ${(e as Error).message}`);
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
    await this.tasks.ready();
    if (this.cancelledWhileStarting.has(runId)) {
      this.pool.release(worker);
      return;
    }
    const bundle = this.tasks.bundleFor(record.run.taskIdentifier);
    if (!bundle) {
      this.pool.release(worker);
      await this.finish(runId, {
        status: 'FAILED',
        error: { name: 'TaskNotFound', message: `Task "${record.run.taskIdentifier}" was not found in this workspace. Check the task id and that its file is under a task folder.` },
      });
      return;
    }
    const attempt: Attempt = { id: newId('attempt'), runId, worker, startedAt: Date.now(), settled: false, number: record.run.attemptCount };
    this.byAttempt.set(attempt.id, attempt);
    this.byRun.set(runId, attempt);
    const onMessage = (m: WorkerToEngine): void => void this.onWorkerMessage(attempt, m);
    const onExit = (code: number | null, signal: NodeJS.Signals | null, stderr: string): void => void this.onWorkerExit(attempt, code, signal, stderr);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    const detach = (): void => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    (attempt as Attempt & { detach: () => void }).detach = detach;
    if (record.maxDuration) {
      attempt.timer = setTimeout(() => {
        attempt.ending = 'TIMED_OUT';
        worker.kill();
      }, record.maxDuration * 1000);
    }
    worker.send({
      type: 'execute',
      attemptId: attempt.id,
      bundlePath: bundle,
      taskId: record.run.taskIdentifier,
      run: {
        id: runId,
        payload: record.run.payload,
        metadata: record.run.metadata ?? {},
        tags: record.run.tags,
        attempt: record.run.attemptCount,
        batchId: record.run.batchId,
        parentRunId: record.parentRunId,
        rootRunId: record.rootRunId,
      },
      apiUrl: this.o.apiUrl,
      accessToken: this.o.accessToken,
    });
  }

  private async onWorkerMessage(a: Attempt, m: WorkerToEngine): Promise<void> {
    if (!('attemptId' in m) || m.attemptId !== a.id) return;
    const ack = (): void => {
      if ('requestId' in m) a.worker.send({ type: 'ack', requestId: m.requestId });
    };
    // Whatever was thrown, the write was not made: the worker gets a failed ack, never a successful one.
    const refuse = (thrown: unknown): void => {
      if ('requestId' in m) a.worker.send({ type: 'ack', requestId: m.requestId, error: thrownMessage(thrown) });
    };
    try {
      switch (m.type) {
        case 'metadata': {
          await this.writes.updateMetadata(await this.targetRun(a, m.target), m.operations);
          return ack();
        }
        case 'chunks': {
          // A worker sends batches of a stream without waiting for acks: they are submitted in the order they
          // arrived, which is also the order every write of the same target resolves in here.
          const target = await this.targetRun(a, m.target);
          for (const b of m.bodies) {
            if (b.length > LIMITS.chunkBytes) throw new StoreRefusal('chunk_too_large', `chunk: ${b.length} bytes is over the ${LIMITS.chunkBytes}-byte limit`, 413);
          }
          await this.writes.appendChunks(target, m.key, m.bodies);
          return ack();
        }
        case 'tags':
          await this.committer.commit({ kind: 'update', runId: a.runId, apply: (r) => withTags(r, m.tags, now(), LIMITS.tagsPerRun) });
          return ack();
        case 'logs': {
          const time = now();
          const bodies = m.lines.map((l) => encodeChunk({ level: l.level, message: l.message, time } satisfies LogChunk));
          await this.writes.appendChunks(a.runId, LOG_STREAM_KEY, bodies).catch(() => undefined);
          return;
        }
        case 'completed':
          return await this.settle(a, { status: 'COMPLETED', output: m.output });
        case 'failed':
          return await this.settle(a, { status: 'FAILED', error: m.error }, m.retryable);
      }
    } catch (e) {
      refuse(e);
    }
  }

  /** The run a task's write is for: itself, its parent or root (itself when it has none), or a run id. */
  private async targetRun(a: Attempt, target: string): Promise<string> {
    if (target === 'self') return a.runId;
    if (target !== 'parent' && target !== 'root') return target;
    const lineage = (a.lineage ??= this.store.getRun(a.runId).then((r) => ({
      parent: r?.parentRunId ?? a.runId,
      root: r?.rootRunId ?? r?.parentRunId ?? a.runId,
    })));
    // A failed read is tried again by the next write.
    lineage.catch(() => {
      if (a.lineage === lineage) delete a.lineage;
    });
    return (await lineage)[target];
  }

  private async onWorkerExit(a: Attempt, code: number | null, signal: NodeJS.Signals | null, stderr: string): Promise<void> {
    if (a.settled) return;
    if (a.ending === 'CANCELED') return this.settle(a, { status: 'CANCELED' });
    if (a.ending === 'TIMED_OUT') {
      const r = await this.store.getRun(a.runId);
      return this.settle(a, {
        status: 'TIMED_OUT',
        error: { name: 'MaxDurationExceededError', message: `Run exceeded its maxDuration of ${r?.maxDuration ?? '?'} s and was stopped.` },
      });
    }
    const oom = /heap out of memory|Reached heap limit/i.test(stderr);
    const message = oom
      ? `The worker ran out of memory (heap limit ${this.o.maxHeapMb} MB) and was stopped.`
      : `The worker process exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}).`;
    const tail = stderr.trim().split('\n').slice(-15).join('\n');
    return this.settle(a, { status: 'CRASHED', error: { name: oom ? 'OutOfMemoryError' : 'TaskCrashed', message, ...(tail ? { stackTrace: tail } : {}) } });
  }

  private async settle(
    a: Attempt,
    end: { status: 'COMPLETED' | 'FAILED' | 'CRASHED' | 'CANCELED' | 'TIMED_OUT'; output?: Json; error?: RunError },
    retryable = false,
  ): Promise<void> {
    if (a.settled) return;
    a.settled = true;
    clearTimeout(a.timer);
    (a as Attempt & { detach?: () => void }).detach?.();
    this.byAttempt.delete(a.id);
    this.byRun.delete(a.runId);
    if (!a.worker.dead && !a.ending) this.pool.release(a.worker);
    const attemptMs = Date.now() - a.startedAt;
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
      if (lostTo && !isTerminal(lostTo.run.status)) this.o.log(`run ${a.runId}: attempt ${a.number} ended after another node took the run over; its result is dropped`);
      this.claimIfQueued();
    };
    if (end.status === 'FAILED' && retryable) {
      const record = await this.store.getRun(a.runId);
      if (record && !holds(record)) return dropped();
      if (record && record.run.attemptCount < record.maxAttempts) {
        // Stays EXECUTING (Trigger.dev shows reattempts as EXECUTING) with the attempt's error, then runs again.
        await this.committer.submit({
          kind: 'update',
          runId: a.runId,
          apply: (r) => (holds(r) ? { record: { ...r, run: { ...r.run, error: end.error, durationMs: r.run.durationMs + attemptMs, updatedAt: now() } }, type: 'error' } : undefined),
        });
        const t = setTimeout(() => {
          this.retryTimers.delete(a.runId);
          void this.pool.acquire().then((w) => this.startAttempt(a.runId, w));
        }, retryDelayMs(record.run.attemptCount));
        this.retryTimers.set(a.runId, t);
        return;
      }
    }
    await this.finish(a.runId, { ...end, attemptMs }, holds);
    if (lostTo) return dropped();
    this.claimIfQueued();
  }

  private async finish(
    runId: string,
    end: { status: 'COMPLETED' | 'FAILED' | 'CRASHED' | 'CANCELED' | 'TIMED_OUT'; output?: Json; error?: RunError; attemptMs?: number },
    holds: (r: RunRecord) => boolean = () => true,
  ): Promise<void> {
    // The store may refuse writes for a while (disk full, read-only): keep trying, so the run does not stay
    // EXECUTING forever once the store accepts writes again.
    for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5000)) {
      const r = await this.committer.submit({ kind: 'update', runId, apply: (rec) => (holds(rec) ? withStatus(rec, { ...end, now: now() }) : undefined) });
      if (r.ok || r.error instanceof StoreRefusal) return;
      if (delayMs === 250) this.o.log(`could not finish run ${runId}: ${r.error.message}${r.error instanceof StorageFailure ? '; retrying' : ''}`);
      if (!(r.error instanceof StorageFailure) || this.closed) return;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** This node is running, starting or about to retry an attempt of the run. */
  isExecuting(runId: string): boolean {
    return this.byRun.has(runId) || this.retryTimers.has(runId) || this.starting.has(runId);
  }

  /** Cancels a run executing here (kills its worker), being started here, or waiting for a retry. */
  async cancel(runId: string): Promise<boolean> {
    const retry = this.retryTimers.get(runId);
    if (retry) {
      clearTimeout(retry);
      this.retryTimers.delete(runId);
      await this.finish(runId, { status: 'CANCELED' });
      return true;
    }
    const a = this.byRun.get(runId);
    if (!a) {
      if (!this.starting.has(runId)) return false;
      // Claimed here and about to run (waiting for a worker, or the attempt's commit): end it before it does.
      this.cancelledWhileStarting.add(runId);
      await this.finish(runId, { status: 'CANCELED' });
      return true;
    }
    a.ending = 'CANCELED';
    const done = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (a.settled) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    a.worker.kill();
    await done;
    return true;
  }

  /** Due DELAYED runs become QUEUED; QUEUED runs past their ttl EXPIRE. */
  private async maintain(): Promise<void> {
    if (this.closed) return;
    try {
      this.ticks++;
      const statuses: ('DELAYED' | 'QUEUED')[] = this.ticks % 8 === 0 ? ['DELAYED', 'QUEUED'] : ['DELAYED'];
      const due = await this.store.listRuns({ status: statuses }, { size: 1000 });
      const t = Date.now();
      let queued = false;
      for (const r of due) {
        if (r.run.status === 'DELAYED' && r.run.delayedUntil && Date.parse(r.run.delayedUntil) <= t) {
          await this.committer.submit({ kind: 'update', runId: r.run.id, apply: (rec) => (rec.run.status === 'DELAYED' ? withStatus(rec, { status: 'QUEUED', now: now() }) : undefined) });
          queued = true;
        } else if (r.run.status === 'QUEUED' && r.ttlMs !== undefined && Date.parse(r.run.createdAt) + r.ttlMs <= t) {
          await this.committer.submit({
            kind: 'update',
            runId: r.run.id,
            apply: (rec) => (rec.run.status === 'QUEUED' ? withStatus(rec, { status: 'EXPIRED', now: now(), error: { name: 'Expired', message: `Run expired: it waited in the queue longer than its ttl (${r.run.ttl}).` } }) : undefined),
          });
        } else if (r.run.status === 'QUEUED') queued = true;
      }
      if (queued) this.pump();
    } catch (e) {
      this.o.log(`maintenance: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.tick);
    clearInterval(this.leaseTimer);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    for (const a of this.byAttempt.values()) {
      a.settled = true;
      clearTimeout(a.timer);
    }
  }
}
