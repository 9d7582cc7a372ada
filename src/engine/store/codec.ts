import * as z from 'zod/mini';
import { Run } from '../../protocol/run';
import { WaitOn } from '../../protocol/ipc';
import { RUN_STATUSES } from '../../shared/status';
import type { RunEvent, RunEventType, RunFilter, RunRecord, ScheduleKind, SchedulePatch, ScheduleRecord, WaitTokenRecord } from './types';
import { StoreRefusal } from './types';

/**
 * What both store drivers share: the stored form of a RunRecord, the event row shape,
 * and filter normalisation. Kept free of any database API.
 */

const RUN_EVENT_TYPES = ['created', 'status', 'metadata', 'tags', 'stream', 'output', 'error', 'attempt'] as const;
export const RunEventTypeSchema: z.ZodMiniType<RunEventType> = z.enum(RUN_EVENT_TYPES);

const RunRecordSchema = z.object({
  run: Run,
  maxAttempts: z.number(),
  maxDuration: z.optional(z.number()),
  ttlMs: z.optional(z.number()),
  parentRunId: z.optional(z.string()),
  rootRunId: z.optional(z.string()),
  depth: z.optional(z.number()),
  childAttempt: z.optional(z.number()),
  resumesAttempt: z.optional(z.number()),
  waitingOn: z.optional(WaitOn),
  lockedBy: z.optional(z.string()),
  leaseUntil: z.optional(z.number()),
  concurrencyKey: z.optional(z.string()),
  idempotencyKeyExpiresAt: z.optional(z.number()),
  priority: z.optional(z.number()),
  lastSeq: z.number(),
});

/** Serialised once per write; `undefined` fields disappear. */
export function encodeRecord(record: RunRecord): string {
  return JSON.stringify(record);
}

/**
 * Parses a stored record (text, or a value the driver already parsed from JSON).
 * Rows are written only by this store at a schema version its migrations checked, so reads use a
 * cheap shape check of the fields the engine relies on (≈6 µs per record instead of ≈40 µs for the
 * full zod parse; a 10k-run snapshot is 60 ms instead of 400 ms on the event loop). Anything that
 * fails the check goes through the full schema, which throws a precise error.
 */
export function decodeRecord(stored: string | unknown): RunRecord {
  const value: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
  if (looksLikeRecord(value)) return value;
  const parsed = RunRecordSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`store: corrupt run record: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return parsed.data as RunRecord;
}

const STATUSES: ReadonlySet<unknown> = new Set(RUN_STATUSES);

/** Values from JSON.parse are JSON, so payload/output/metadata need no deep check. */
function looksLikeRecord(v: unknown): v is RunRecord {
  if (!isObject(v) || typeof v['lastSeq'] !== 'number' || typeof v['maxAttempts'] !== 'number') return false;
  const run = v['run'];
  return (
    isObject(run) &&
    typeof run['id'] === 'string' &&
    typeof run['taskIdentifier'] === 'string' &&
    STATUSES.has(run['status']) &&
    typeof run['createdAt'] === 'string' &&
    typeof run['updatedAt'] === 'string' &&
    Array.isArray(run['tags']) &&
    run['tags'].every((t) => typeof t === 'string') &&
    Array.isArray(run['realtimeStreams']) &&
    typeof run['attemptCount'] === 'number' &&
    (run['batchId'] === undefined || typeof run['batchId'] === 'string') &&
    (run['metadata'] === undefined || isObject(run['metadata']))
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const StringArray = z.array(z.string());

/** Tags as stored next to an event (JSON text in SQLite, text[] in Postgres). */
export function decodeTags(stored: string | unknown): string[] {
  const value: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
  return StringArray.parse(value);
}

export function eventOf(seq: number, record: RunRecord, type: RunEventType, data: string): RunEvent {
  const event: RunEvent = { seq, runId: record.run.id, type, data, tags: [...record.run.tags] };
  if (record.run.batchId !== undefined) event.batchId = record.run.batchId;
  return event;
}

/** Epoch ms of an ISO time, or throws a clear error (the store indexes times as numbers). */
/** The last time `epochMs` parsed: a run's update compares its indexed columns before and after, parsing its createdAt each time. */
let lastParsed: { iso: string; ms: number } | undefined;

export function epochMs(iso: string, what: string): number {
  if (lastParsed?.iso === iso) return lastParsed.ms;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`store: ${what} is not a valid time: ${iso}`);
  lastParsed = { iso, ms };
  return ms;
}

export function delayedUntilMs(record: RunRecord): number | null {
  return record.run.delayedUntil !== undefined ? epochMs(record.run.delayedUntil, 'delayedUntil') : null;
}

/** The queue a run is in: the one it was triggered into, else its task's own (`task/<id>`). */
export function queueOf(record: RunRecord): string {
  return record.run.queue ?? `task/${record.run.taskIdentifier}`;
}

/** A run's concurrency key as the store indexes it ('' when it has none). */
export function concurrencyKeyOf(record: RunRecord): string {
  return record.concurrencyKey ?? '';
}

/**
 * Where a run stands in its queue (epoch ms): its creation time moved `priority` seconds earlier. Claims take
 * the lowest first, so a run with priority 10 goes before runs queued up to 10 s before it.
 */
export function queuedOrder(record: RunRecord): number {
  return epochMs(record.run.createdAt, 'createdAt') - Math.round((record.priority ?? 0) * 1000);
}

/** The key of a (queue, concurrency key) pair in a claim's bookkeeping. */
export function groupKey(queue: string, concurrencyKey: string): string {
  return `${queue}\u0000${concurrencyKey}`;
}

/** Most pages one claim reads while passing over runs of queues at their limit. */
export const CLAIM_MAX_PAGES = 20;

/** A filter with duplicates removed and empty lists kept as "matches nothing". */
export interface NormalFilter {
  runIds?: string[];
  status?: string[];
  taskIdentifier?: string[];
  tags?: string[];
  batchId?: string;
  scheduleId?: string;
  parentRunId?: string;
  createdAfterMs?: number;
}

export function normalizeFilter(filter: RunFilter): NormalFilter {
  const out: NormalFilter = {};
  if (filter.runIds) out.runIds = [...new Set(filter.runIds)];
  if (filter.status) out.status = [...new Set(filter.status)];
  if (filter.taskIdentifier) out.taskIdentifier = [...new Set(filter.taskIdentifier)];
  if (filter.tags && filter.tags.length > 0) out.tags = [...new Set(filter.tags)];
  if (filter.batchId !== undefined) out.batchId = filter.batchId;
  if (filter.scheduleId !== undefined) out.scheduleId = filter.scheduleId;
  if (filter.parentRunId !== undefined) out.parentRunId = filter.parentRunId;
  if (filter.createdAfter !== undefined) out.createdAfterMs = epochMs(filter.createdAfter, 'createdAfter');
  return out;
}

export function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((t) => set.has(t));
}

/** Error for an op naming a run that does not exist. */
export function runNotFound(runId: string): StoreRefusal {
  return new StoreRefusal('run_not_found', `run ${runId} not found`);
}

/** The typed column reads a driver provides for its rows. */
export interface ColumnReads<R> {
  text(row: R, col: string): string;
  textOrNull(row: R, col: string): string | null;
  int(row: R, col: string): number;
  intOrNull(row: R, col: string): number | null;
}

/** A wait token from its `wait_tokens` row: the same columns in both drivers. */
export function tokenFromRow<R extends Record<string, unknown>>(row: R, read: ColumnReads<R>): WaitTokenRecord {
  const t: WaitTokenRecord = {
    id: read.text(row, 'id'),
    status: read.text(row, 'status') as WaitTokenRecord['status'],
    createdAt: read.int(row, 'created_at'),
    tags: decodeTags(row['tags']),
    callbackSecret: read.text(row, 'callback_secret'),
  };
  const completedAt = read.intOrNull(row, 'completed_at');
  if (completedAt !== null) t.completedAt = completedAt;
  const timeoutAt = read.intOrNull(row, 'timeout_at');
  if (timeoutAt !== null) t.timeoutAt = timeoutAt;
  const key = read.textOrNull(row, 'idempotency_key');
  if (key !== null) t.idempotencyKey = key;
  const keyExpiresAt = read.intOrNull(row, 'idempotency_key_expires_at');
  if (keyExpiresAt !== null) t.idempotencyKeyExpiresAt = keyExpiresAt;
  const output = read.textOrNull(row, 'output');
  if (output !== null) t.output = output;
  return t;
}

/** A row limit as a non-negative integer (anything else reads no rows). */
export function limitOf(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** The columns of a `wait_tokens` row, in the order both drivers insert them. */
export const TOKEN_COLUMNS = 'id, status, created_at, completed_at, timeout_at, idempotency_key, idempotency_key_expires_at, tags, output, callback_secret';

/** A wait token's values for TOKEN_COLUMNS; `tags` as the driver stores them. */
export function tokenRowValues<T>(token: WaitTokenRecord, tags: T): (string | number | null | T)[] {
  return [
    token.id,
    token.status,
    token.createdAt,
    token.completedAt ?? null,
    token.timeoutAt ?? null,
    token.idempotencyKey ?? null,
    token.idempotencyKeyExpiresAt ?? null,
    tags,
    token.output ?? null,
    token.callbackSecret,
  ];
}

/** The columns of a `schedules` row, in the order both drivers insert them. */
export const SCHEDULE_COLUMNS =
  'id, type, task_identifier, cron, timezone, active, external_id, deduplication_key, user_deduplication_key, created_at, updated_at, next_tick_at, last_tick_at';

/** A schedule's values for SCHEDULE_COLUMNS; booleans as the driver stores them. */
export function scheduleRowValues<B>(s: ScheduleRecord, bool: (b: boolean) => B): (string | number | null | B)[] {
  return [
    s.id,
    s.type,
    s.taskIdentifier,
    s.cron,
    s.timezone,
    bool(s.active),
    s.externalId ?? null,
    s.deduplicationKey,
    bool(s.userDeduplicationKey),
    s.createdAt,
    s.updatedAt,
    s.nextTickAt ?? null,
    s.lastTickAt ?? null,
  ];
}

/** A schedule from its `schedules` row: the same columns in both drivers (booleans as 0/1 or true/false). */
export function scheduleFromRow<R extends Record<string, unknown>>(row: R, read: ColumnReads<R>): ScheduleRecord {
  const type = read.text(row, 'type');
  if (type !== 'DECLARATIVE' && type !== 'IMPERATIVE') throw new Error(`store: schedule ${read.text(row, 'id')} has an unknown type ${type}`);
  const s: ScheduleRecord = {
    id: read.text(row, 'id'),
    type: type satisfies ScheduleKind,
    taskIdentifier: read.text(row, 'task_identifier'),
    cron: read.text(row, 'cron'),
    timezone: read.text(row, 'timezone'),
    active: truthy(row['active']),
    deduplicationKey: read.text(row, 'deduplication_key'),
    userDeduplicationKey: truthy(row['user_deduplication_key']),
    createdAt: read.int(row, 'created_at'),
    updatedAt: read.int(row, 'updated_at'),
  };
  const externalId = read.textOrNull(row, 'external_id');
  if (externalId !== null) s.externalId = externalId;
  const next = read.intOrNull(row, 'next_tick_at');
  if (next !== null) s.nextTickAt = next;
  const last = read.intOrNull(row, 'last_tick_at');
  if (last !== null) s.lastTickAt = last;
  return s;
}

function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === 1n || v === '1' || v === 't';
}

/** The SET clause items of a schedule patch (column, value) in a fixed order; absent fields are left out. */
export function schedulePatchColumns(patch: SchedulePatch): [column: string, value: string | number | boolean | null][] {
  const out: [string, string | number | boolean | null][] = [];
  if (patch.taskIdentifier !== undefined) out.push(['task_identifier', patch.taskIdentifier]);
  if (patch.cron !== undefined) out.push(['cron', patch.cron]);
  if (patch.timezone !== undefined) out.push(['timezone', patch.timezone]);
  if (patch.externalId !== undefined) out.push(['external_id', patch.externalId]);
  if (patch.active !== undefined) out.push(['active', patch.active]);
  if (patch.nextTickAt !== undefined) out.push(['next_tick_at', patch.nextTickAt]);
  out.push(['updated_at', patch.updatedAt]);
  return out;
}
