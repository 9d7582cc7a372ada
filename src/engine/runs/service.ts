import type { Json, Run, RunSchedule, ValueMeta } from '../../protocol/run';
import type { RunTimeline } from '../../protocol/timeline';
import { isTerminal } from '../../shared/status';
import { DEFAULT_IDEMPOTENCY_KEY_TTL, LIMITS, type BatchTriggerRequest, type MetadataOperation, type TriggerOptions } from '../../protocol/api';
import { LOG_STREAM_KEY } from '../../shared/streams';
import type { Committer } from '../committer';
import type { RunRecord, RunStore } from '../store/types';
import { IdempotencyKeyTaken, StoreRefusal } from '../store/types';
import { newId, durationMs } from '../ids';
import { EngineError } from '../errors';
import { applyMetadataOperations } from './metadata';
import { newRunRecord, withMetadata, withStatus, withStreamWrite, withTags } from './model';
import { nowIso } from '../clock';
import { timelineOf } from './timeline';

export interface TaskDefaults {
  maxAttempts?: number;
  maxDuration?: number;
  /** The queue its runs go to (its own, `task/<id>`, or a shared one). */
  queue?: string;
}

export interface RunServiceHooks {
  /** Runs are being queued by `committed` (submitted, not yet done): the executor may claim them. */
  onQueued(committed: Promise<unknown>): void;
  /** Cancel of a run this engine is executing: kill its attempt; true when it was running here. */
  cancelExecuting(runId: string): Promise<boolean>;
  /** Known task defaults (retry, maxDuration, queue), or undefined when the task is not (yet) discovered. */
  taskDefaults(taskId: string): TaskDefaults | undefined;
  /** Whether task code defines a queue by this name (a trigger's `queue` must name one). */
  queueExists?(name: string): boolean;
  /**
   * Resolves once the task files have been indexed (the first build): a run's queue comes from its task's
   * definition, so runs wait for it to be known before they are created.
   */
  tasksIndexed?(): Promise<unknown>;
}

/** Most history events a timeline is made of (each attempt and each wait takes two or three). */
const TIMELINE_HISTORY = 5000;

/** What a run is triggered with: its payload as JSON, and superjson's meta when it is not plain JSON (see protocol/values.ts). */
export interface TriggerPayload {
  payload?: Json;
  /** Checked by the caller (the HTTP route) to fit `payload`. */
  payloadMeta?: ValueMeta;
}

/** How many times a trigger looks again for a run of its idempotency key another node is committing. */
const IDEMPOTENCY_TRIES = 50;

/** Every change a caller can make to runs, as committed writes. */
export class RunService {
  private nextNumber = 1;

  constructor(
    private readonly store: RunStore,
    private readonly committer: Committer,
    private readonly hooks: RunServiceHooks,
  ) {}

  async init(): Promise<void> {
    const [latest] = await this.store.listRuns({}, { size: 1 });
    this.nextNumber = (latest?.run.number ?? 0) + 1;
  }

  async getRun(id: string): Promise<RunRecord> {
    const r = await this.store.getRun(id);
    if (!r) throw new EngineError('run_not_found', `run ${id} does not exist`);
    return r;
  }

  /** The run's attempts and waits on one time axis, from its history (at most TIMELINE_HISTORY events of it). */
  async timeline(id: string): Promise<RunTimeline> {
    const events = await this.store.runHistory(id, TIMELINE_HISTORY + 1);
    const steps = events.slice(0, TIMELINE_HISTORY).map((e) => ({ type: e.type, run: JSON.parse(e.data) as Run }));
    return timelineOf(id, steps, events.length > TIMELINE_HISTORY);
  }

  /**
   * Creates a run; with an idempotency key of the task that has not expired (its `idempotencyKeyTTL`, default 30
   * days), returns that key's run instead. `origin.schedule`: the schedule that triggers it (the run shows it).
   */
  async trigger(
    taskId: string,
    payload: TriggerPayload,
    options: TriggerOptions = {},
    origin: { schedule?: RunSchedule; beforeQueued?: (runId: string) => void } = {},
  ): Promise<{ record: RunRecord; existing: boolean }> {
    await this.hooks.tasksIndexed?.();
    const lineage = await this.lineage([options.parentRunId]);
    for (let tries = 1; ; tries++) {
      if (options.idempotencyKey) {
        const found = await this.store.findByIdempotencyKey(taskId, options.idempotencyKey, Date.now());
        if (found) return { record: found, existing: true };
      }
      const record = this.buildRun(taskId, payload, options, lineage, origin.schedule);
      // A debug run is bound to its worker before its claim can find it.
      origin.beforeQueued?.(record.run.id);
      const created = this.committer.commit({ kind: 'create', record });
      // Told before the commit: the executor's claim can then share the create's transaction.
      this.hooks.onQueued(created);
      try {
        await created;
      } catch (e) {
        // Another trigger with the key committed first (checked in the transaction): its run is the answer.
        const holder = e instanceof IdempotencyKeyTaken ? await this.store.getRun(e.runId) : undefined;
        if (holder) return { record: holder, existing: true };
        // One with the key is committing on another node right now: look again in a moment.
        if (e instanceof StoreRefusal && e.code === 'idempotency_busy' && tries < IDEMPOTENCY_TRIES) {
          await new Promise((r) => setTimeout(r, 5 * tries));
          continue;
        }
        throw e;
      }
      // The record as created: reading it back would put a store read between the commit and the worker the
      // claim in the same commit is about to start.
      return { record, existing: false };
    }
  }

  /**
   * Creates the runs of a batch, one per item in order. An item whose idempotency key (not expired) already has a
   * run of its task, or repeats an earlier item's key, gets that run instead of a new one (`cached`).
   */
  async batchTrigger(req: BatchTriggerRequest): Promise<{ batchId: string; runs: RunRecord[]; cached: boolean[] }> {
    await this.hooks.tasksIndexed?.();
    const batchId = newId('batch');
    const createdAt = nowIso();
    const now = Date.now();
    const lineage = await this.lineage(req.items.map((i) => i.options?.parentRunId));
    const byKey = new Map<string, RunRecord>();
    const created: RunRecord[] = [];
    const cached: boolean[] = [];
    const records: RunRecord[] = [];
    for (const [i, item] of req.items.entries()) {
      const key = item.options?.idempotencyKey;
      const keyOf = key ? `${item.task}\u0000${key}` : undefined;
      const found = keyOf ? (byKey.get(keyOf) ?? (await this.store.findByIdempotencyKey(item.task, key!, now))) : undefined;
      if (found) {
        records.push(found);
        cached.push(true);
        if (keyOf) byKey.set(keyOf, found);
        continue;
      }
      let record: RunRecord;
      try {
        record = this.buildRun(item.task, item, { ...item.options, batchId }, lineage);
      } catch (e) {
        if (e instanceof EngineError) throw new EngineError(e.code, `items.${i}.${e.message}`);
        throw e;
      }
      if (keyOf) byKey.set(keyOf, record);
      records.push(record);
      created.push(record);
      cached.push(false);
    }
    const submitted = Promise.all([
      this.committer.submit({ kind: 'batch', batchId, runIds: records.map((r) => r.run.id), createdAt }),
      ...created.map((record) => this.committer.submit({ kind: 'create', record })),
    ]);
    this.hooks.onQueued(submitted);
    const [, ...results] = await submitted;
    for (const [n, r] of results.entries()) {
      if (r.ok) continue;
      // A run of the item's key was committed meanwhile (here or on another node): the item gets that run.
      const i = records.indexOf(created[n]!);
      const item = req.items[i]!;
      if (r.error instanceof IdempotencyKeyTaken || (r.error instanceof StoreRefusal && r.error.code === 'idempotency_busy')) {
        const { record } = await this.trigger(item.task, item, { ...item.options, batchId });
        records[i] = record;
        cached[i] = record.run.batchId !== batchId;
        continue;
      }
      throw r.error;
    }
    return { batchId, runs: records, cached };
  }

  /**
   * The root and depth a run gets from its parent (a run triggered from inside a task), for each parent named.
   * A parent this store does not know is taken as a root.
   */
  private async lineage(parentIds: readonly (string | undefined)[]): Promise<Map<string, { rootRunId: string; depth: number }>> {
    const out = new Map<string, { rootRunId: string; depth: number }>();
    for (const id of new Set(parentIds)) {
      if (id === undefined) continue;
      const parent = await this.store.getRun(id);
      out.set(id, { rootRunId: parent?.rootRunId ?? id, depth: (parent?.depth ?? 0) + 1 });
    }
    return out;
  }

  private buildRun(
    taskId: string,
    { payload, payloadMeta }: TriggerPayload,
    options: TriggerOptions,
    lineage: ReadonlyMap<string, { rootRunId: string; depth: number }>,
    schedule?: RunSchedule,
  ): RunRecord {
    const payloadBytes =
      (payload === undefined ? 0 : Buffer.byteLength(JSON.stringify(payload))) +
      (payloadMeta === undefined ? 0 : Buffer.byteLength(JSON.stringify(payloadMeta)));
    if (payloadBytes > LIMITS.payloadBytes) {
      throw new EngineError('payload_too_large', `payload: ${payloadBytes} bytes is over the ${LIMITS.payloadBytes}-byte limit`);
    }
    if (options.metadata) {
      // Validates size and keys the same way later updates are validated.
      try {
        applyMetadataOperations({}, [{ type: 'update', value: options.metadata }]);
      } catch (e) {
        if (e instanceof StoreRefusal) throw new EngineError(e.code, `options.${e.message}`);
        throw e;
      }
    }
    const defaults = this.hooks.taskDefaults(taskId) ?? {};
    const queue = options.queue ?? defaults.queue ?? `task/${taskId}`;
    const idempotencyKeyExpiresAt = options.idempotencyKey ? Date.now() + durationMs(options.idempotencyKeyTTL ?? DEFAULT_IDEMPOTENCY_KEY_TTL) : undefined;
    if (options.queue !== undefined && this.hooks.queueExists && !this.hooks.queueExists(options.queue)) {
      throw new EngineError(
        'invalid_request',
        `options.queue: no queue named "${options.queue}" is defined in the task files; define it with queue({ name: "${options.queue}" }) ` +
          `or name a task's own queue ("task/<task id>")`,
      );
    }
    let delayedUntil: string | undefined;
    if (options.delay !== undefined) {
      const d = options.delay;
      delayedUntil = typeof d === 'string' && /^\d{4}-/.test(d) ? new Date(d).toISOString() : new Date(Date.now() + durationMs(d)).toISOString();
    }
    return newRunRecord({
      id: newId('run'),
      taskIdentifier: taskId,
      payload,
      payloadMeta: payload !== undefined ? payloadMeta : undefined,
      metadata: options.metadata,
      tags: options.tags,
      batchId: options.batchId,
      idempotencyKey: options.idempotencyKey,
      idempotencyKeyExpiresAt,
      delayedUntil,
      ttlMs: options.ttl !== undefined ? durationMs(options.ttl) : undefined,
      maxAttempts: options.maxAttempts ?? defaults.maxAttempts ?? 1,
      maxDuration: options.maxDuration ?? defaults.maxDuration,
      isTest: options.test,
      queue,
      concurrencyKey: options.concurrencyKey,
      priority: options.priority,
      parentRunId: options.parentRunId,
      ...(options.parentRunId ? lineage.get(options.parentRunId) : {}),
      ...(schedule ? { schedule } : {}),
      number: this.nextNumber++,
      now: nowIso(),
    });
  }

  async cancel(runId: string): Promise<RunRecord> {
    const record = await this.getRun(runId);
    if (isTerminal(record.run.status)) return record;
    if (await this.hooks.cancelExecuting(runId)) return this.getRun(runId);
    await this.committer.commit({
      kind: 'update',
      runId,
      apply: (r) => withStatus(r, { status: 'CANCELED', now: nowIso() }),
    });
    return this.getRun(runId);
  }

  async replay(runId: string): Promise<RunRecord> {
    const { run, concurrencyKey, priority } = await this.getRun(runId);
    // The same queue when task code still defines it (else the task's own), key and priority; the payload's types too.
    const queue = run.queue !== undefined && this.hooks.queueExists?.(run.queue) ? run.queue : undefined;
    const { record } = await this.trigger(
      run.taskIdentifier,
      { payload: run.payload, payloadMeta: run.payloadMeta },
      { tags: run.tags, queue, concurrencyKey, priority },
    );
    return record;
  }

  async addTags(runId: string, tags: string[]): Promise<RunRecord> {
    await this.getRun(runId);
    await this.committer.commit({ kind: 'update', runId, apply: (r) => withTags(r, tags, nowIso(), LIMITS.tagsPerRun) });
    return this.getRun(runId);
  }

  /** Applies operations to a run's metadata (atomically, inside the commit) and returns the result. */
  async updateMetadata(runId: string, operations: readonly MetadataOperation[]): Promise<Record<string, Json>> {
    await this.getRun(runId);
    let result: Record<string, Json> = {};
    await this.committer.commit({
      kind: 'update',
      runId,
      apply: (r) => {
        result = applyMetadataOperations(r.run.metadata ?? {}, operations);
        return withMetadata(r, result, nowIso());
      },
    });
    return result;
  }

  /** Appends chunks (wire text) to a run's stream; the first write registers the key in realtimeStreams. */
  async appendChunks(runId: string, key: string, bodies: string[]): Promise<number[]> {
    const reserved = key === LOG_STREAM_KEY;
    const r = await this.committer.commit({
      kind: 'chunks',
      runId,
      key,
      bodies,
      apply: (rec) => withStreamWrite(rec, key, nowIso(), reserved),
    });
    return (r.chunks ?? []).map((c) => c.idx);
  }
}
