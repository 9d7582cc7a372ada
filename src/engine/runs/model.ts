import { type Run, type RunError, type RunSchedule, type RunStatus, type Json, type ValueMeta, type WaitingFor, statusFlags } from '../../protocol/run';
import { isTerminal } from '../../shared/status';
import type { RunRecord, RunUpdate } from '../store/types';
import { StoreRefusal } from '../store/types';
import type { WaitOn } from '../../protocol/ipc';

/** Pure transitions of a RunRecord. Every write of the engine goes through one of these. */

export interface NewRunInput {
  id: string;
  taskIdentifier: string;
  payload?: Json;
  /** superjson's meta of a payload that is not plain JSON. */
  payloadMeta?: ValueMeta;
  metadata?: Record<string, Json>;
  tags?: string[];
  batchId?: string;
  idempotencyKey?: string;
  /** Epoch ms after which the key no longer finds the run. */
  idempotencyKeyExpiresAt?: number;
  delayedUntil?: string;
  ttlMs?: number;
  maxAttempts: number;
  maxDuration?: number;
  isTest?: boolean;
  parentRunId?: string;
  rootRunId?: string;
  depth?: number;
  /** The schedule that triggered the run. */
  schedule?: RunSchedule;
  /** The queue it goes to (default: the task's own, `task/<id>`). */
  queue?: string;
  concurrencyKey?: string;
  priority?: number;
  number: number;
  now: string;
}

export function newRunRecord(input: NewRunInput): RunRecord {
  const status: RunStatus = input.delayedUntil ? 'DELAYED' : 'QUEUED';
  const run: Run = {
    id: input.id,
    taskIdentifier: input.taskIdentifier,
    status,
    payload: input.payload,
    payloadMeta: input.payloadMeta,
    metadata: input.metadata ?? {},
    tags: [...new Set(input.tags ?? [])],
    batchId: input.batchId,
    ...lineageOf(input),
    schedule: input.schedule,
    createdAt: input.now,
    updatedAt: input.now,
    delayedUntil: input.delayedUntil,
    ttl: input.ttlMs !== undefined ? `${Math.round(input.ttlMs / 1000)}s` : undefined,
    idempotencyKey: input.idempotencyKey,
    queue: input.queue ?? `task/${input.taskIdentifier}`,
    isTest: input.isTest ?? false,
    durationMs: 0,
    costInCents: 0,
    baseCostInCents: 0,
    realtimeStreams: [],
    attemptCount: 0,
    number: input.number,
    ...statusFlags(status),
  };
  return {
    run: dropUndefined(run),
    maxAttempts: input.maxAttempts,
    maxDuration: input.maxDuration,
    ttlMs: input.ttlMs,
    parentRunId: input.parentRunId,
    rootRunId: input.rootRunId,
    ...(input.depth ? { depth: input.depth } : {}),
    ...(input.concurrencyKey !== undefined ? { concurrencyKey: input.concurrencyKey } : {}),
    ...(input.idempotencyKey !== undefined && input.idempotencyKeyExpiresAt !== undefined ? { idempotencyKeyExpiresAt: input.idempotencyKeyExpiresAt } : {}),
    ...(input.priority ? { priority: input.priority } : {}),
    lastSeq: 0,
  };
}

/** The public lineage of a run triggered from inside a task; nothing for a top-level run. */
function lineageOf(input: Pick<NewRunInput, 'parentRunId' | 'rootRunId' | 'depth'>): Pick<Run, 'parentTaskRunId' | 'rootTaskRunId' | 'depth'> {
  if (!input.parentRunId) return {};
  return { parentTaskRunId: input.parentRunId, rootTaskRunId: input.rootRunId ?? input.parentRunId, depth: input.depth || 1 };
}

/** The public form of what a waiting run waits on (times as ISO strings). */
export function waitingFor(on: WaitOn): WaitingFor {
  switch (on.kind) {
    case 'time':
      return { kind: 'time', until: new Date(on.until).toISOString() };
    case 'runs':
      return { kind: 'runs', runIds: [...on.runIds] };
    case 'token':
      return { kind: 'token', tokenId: on.tokenId };
  }
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export interface StatusChange {
  status: RunStatus;
  now: string;
  output?: Json;
  /** superjson's meta of an output that is not plain JSON (it replaces the run's, with the output). */
  outputMeta?: ValueMeta;
  error?: RunError;
  /** Compute time of the attempt that just ended, added to durationMs. */
  attemptMs?: number;
}

/** Moves a run to a new status; terminal statuses set finishedAt and are final. */
export function withStatus(record: RunRecord, change: StatusChange): RunUpdate | undefined {
  const prev = record.run;
  if (isTerminal(prev.status)) {
    if (prev.status === change.status) return undefined;
    throw new StoreRefusal('run_finished', `run ${prev.id} already finished as ${prev.status}`);
  }
  const run: Run = { ...prev, status: change.status, updatedAt: change.now, ...statusFlags(change.status) };
  if (change.status === 'EXECUTING') {
    run.startedAt ??= change.now;
  }
  if (change.status === 'QUEUED') delete run.delayedUntil;
  if (change.status !== 'WAITING') delete run.waitingFor;
  if (change.attemptMs !== undefined) run.durationMs = prev.durationMs + change.attemptMs;
  if (change.output !== undefined) {
    run.output = change.output;
    if (change.outputMeta !== undefined) run.outputMeta = change.outputMeta;
    else delete run.outputMeta;
  }
  if (change.error !== undefined) run.error = change.error;
  else if (change.status === 'EXECUTING' || change.status === 'COMPLETED') delete run.error;
  if (change.status === 'EXPIRED') run.expiredAt = change.now;
  const next: RunRecord = { ...record, run };
  if (isTerminal(change.status)) {
    run.finishedAt = change.now;
    delete next.lockedBy;
    delete next.leaseUntil;
  }
  if (change.status === 'QUEUED') {
    delete next.lockedBy;
    delete next.leaseUntil;
  }
  if (change.status !== 'WAITING') delete next.waitingOn;
  return { record: next, type: change.output !== undefined ? 'output' : change.error ? 'error' : 'status' };
}

/** An EXECUTING run starts waiting for `on`; its attempt (and the lease on it) stays where it is. */
export function withWaiting(record: RunRecord, on: WaitOn, now: string): RunUpdate {
  if (record.run.status !== 'EXECUTING') throw new StoreRefusal('run_finished', `run ${record.run.id} is ${record.run.status}, so it cannot wait`);
  const u = withStatus(record, { status: 'WAITING', now })!;
  u.record.waitingOn = on;
  u.record.run.waitingFor = waitingFor(on);
  return u;
}

/** A WAITING run goes on executing (its wait is over); undefined when it is no longer waiting. */
export function withResumed(record: RunRecord, now: string): RunUpdate | undefined {
  if (record.run.status !== 'WAITING') return undefined;
  return withStatus(record, { status: 'EXECUTING', now });
}

export function withAttemptStarted(record: RunRecord, node: string, leaseUntil: number, now: string): RunUpdate {
  const u = withStatus(record, { status: 'EXECUTING', now });
  if (!u) throw new StoreRefusal('run_finished', `run ${record.run.id} cannot start`);
  u.record.run.attemptCount = record.run.attemptCount + 1;
  u.record.childAttempt = record.resumesAttempt ?? u.record.run.attemptCount;
  delete u.record.resumesAttempt;
  u.record.lockedBy = node;
  u.record.leaseUntil = leaseUntil;
  u.type = 'attempt';
  return u;
}

/**
 * A held run whose attempt the engine lost (it stopped or died): queued again, its next attempt finding the lost one's
 * children; or, with no attempts left, CRASHED.
 */
export function withAttemptLost(record: RunRecord, now: string): RunUpdate | undefined {
  if (record.run.attemptCount >= record.maxAttempts) {
    return withStatus(record, {
      status: 'CRASHED',
      now,
      error: { name: 'EngineStopped', message: 'The engine running this run stopped; it was not retried because no attempts remain.' },
    });
  }
  const u = withStatus(record, { status: 'QUEUED', now });
  if (u) u.record.resumesAttempt = record.childAttempt ?? record.run.attemptCount;
  return u;
}

/**
 * The updates that claim a queued run for `node`, in order: DEQUEUED holding a lease until now + leaseMs,
 * then, with `startAttempt`, its next attempt started (EXECUTING). None when the run cannot be claimed.
 */
export function claimUpdates(record: RunRecord, node: string, now: number, leaseMs: number, startAttempt: boolean): RunUpdate[] {
  const nowIso = new Date(now).toISOString();
  const dequeued = withStatus(record, { status: 'DEQUEUED', now: nowIso });
  if (!dequeued) return [];
  dequeued.record.lockedBy = node;
  dequeued.record.leaseUntil = now + leaseMs;
  return startAttempt ? [dequeued, withAttemptStarted(dequeued.record, node, now + leaseMs, nowIso)] : [dequeued];
}

export function withTags(record: RunRecord, tags: string[], now: string, maxTags: number): RunUpdate | undefined {
  const merged = [...new Set([...record.run.tags, ...tags])];
  if (merged.length === record.run.tags.length) return undefined;
  if (merged.length > maxTags) {
    throw new StoreRefusal('too_many_tags', `tags: a run has at most ${maxTags} tags`);
  }
  return { record: { ...record, run: { ...record.run, tags: merged, updatedAt: now } }, type: 'tags' };
}

export function withMetadata(record: RunRecord, metadata: Record<string, Json>, now: string): RunUpdate {
  return { record: { ...record, run: { ...record.run, metadata, updatedAt: now } }, type: 'metadata' };
}

/** Registers a stream key in realtimeStreams on first write; refuses writes to finished runs. */
export function withStreamWrite(record: RunRecord, key: string, now: string, reserved: boolean): RunUpdate | undefined {
  if (isTerminal(record.run.status)) {
    throw new StoreRefusal('run_finished', `run ${record.run.id} already finished as ${record.run.status}; its streams are closed`);
  }
  if (reserved || record.run.realtimeStreams.includes(key)) return undefined;
  return {
    record: { ...record, run: { ...record.run, realtimeStreams: [...record.run.realtimeStreams, key], updatedAt: now } },
    type: 'stream',
  };
}
