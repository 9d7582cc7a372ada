import type { Json, Run, RunStatus, ValueMeta } from '../../protocol/run';
import { SUPER_JSON, hasTypes, toSuperJson } from '../../protocol/values';

/**
 * A run as one row of Trigger.dev's `TaskRun` Electric shape: the 26 columns their client requests by
 * default, every value a string (or null) that `@electric-sql/client` decodes with the `electric-schema`
 * header, then `SubscribeRunRawShape` (timestamps without the trailing `Z`, `t`/`f` booleans, Postgres
 * array literals, payload/output/metadata as serialized text with a `*Type` companion column).
 */

type ColumnType = 'text' | 'timestamp' | 'int4' | 'float8' | 'bool' | 'jsonb';

interface Column {
  name: string;
  type: ColumnType;
  /** 1 for `text[]` columns (Postgres `{"a","b"}` literal). */
  dims?: number;
  /** An empty array is sent as null (Trigger.dev's `runTags` has no default, so an empty one is NULL). */
  emptyAsNull?: boolean;
}

export const ELECTRIC_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text' },
  { name: 'taskIdentifier', type: 'text' },
  { name: 'createdAt', type: 'timestamp' },
  { name: 'updatedAt', type: 'timestamp' },
  { name: 'startedAt', type: 'timestamp' },
  { name: 'delayUntil', type: 'timestamp' },
  { name: 'queuedAt', type: 'timestamp' },
  { name: 'expiredAt', type: 'timestamp' },
  { name: 'completedAt', type: 'timestamp' },
  { name: 'friendlyId', type: 'text' },
  { name: 'number', type: 'int4' },
  { name: 'isTest', type: 'bool' },
  { name: 'status', type: 'text' },
  { name: 'usageDurationMs', type: 'int4' },
  { name: 'costInCents', type: 'float8' },
  { name: 'baseCostInCents', type: 'float8' },
  { name: 'ttl', type: 'text' },
  { name: 'payload', type: 'text' },
  { name: 'payloadType', type: 'text' },
  { name: 'metadata', type: 'text' },
  { name: 'metadataType', type: 'text' },
  { name: 'output', type: 'text' },
  { name: 'outputType', type: 'text' },
  { name: 'runTags', type: 'text', dims: 1, emptyAsNull: true },
  { name: 'error', type: 'jsonb' },
  { name: 'realtimeStreams', type: 'text', dims: 1 },
];

/** Columns `skipColumns` can never remove (as upstream). */
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set(['id', 'taskIdentifier', 'friendlyId', 'status', 'createdAt']);

/** Our public status → the database status name Trigger.dev's client maps back (`apiStatusFromRunStatus`). */
const DB_STATUS: Record<RunStatus, string> = {
  PENDING_VERSION: 'PENDING_VERSION',
  QUEUED: 'PENDING',
  DEQUEUED: 'DEQUEUED',
  EXECUTING: 'EXECUTING',
  WAITING: 'WAITING_TO_RESUME',
  COMPLETED: 'COMPLETED_SUCCESSFULLY',
  CANCELED: 'CANCELED',
  FAILED: 'COMPLETED_WITH_ERRORS',
  CRASHED: 'CRASHED',
  SYSTEM_FAILURE: 'SYSTEM_FAILURE',
  DELAYED: 'DELAYED',
  EXPIRED: 'EXPIRED',
  TIMED_OUT: 'TIMED_OUT',
};

export function dbStatus(status: RunStatus, legacyApi = false): string {
  // Clients older than API version 2025-07-16 do not know DEQUEUED.
  if (legacyApi && status === 'DEQUEUED') return 'EXECUTING';
  return DB_STATUS[status];
}

export type ElectricValue = Record<string, string | null>;

/** Column set after `skipColumns` (reserved columns stay). */
export function columnsFor(skipColumns: readonly string[]): readonly Column[] {
  if (skipColumns.length === 0) return ELECTRIC_COLUMNS;
  const skip = new Set(skipColumns.filter((c) => !RESERVED_COLUMNS.has(c)));
  return ELECTRIC_COLUMNS.filter((c) => !skip.has(c.name));
}

/** The `electric-schema` header for a column set. */
export function schemaHeader(columns: readonly Column[]): string {
  const schema: Record<string, { type: ColumnType; dims?: number }> = {};
  for (const c of columns) schema[c.name] = c.dims ? { type: c.type, dims: c.dims } : { type: c.type };
  return JSON.stringify(schema);
}

/** ISO timestamp without the trailing `Z` (their `RawShapeDate` appends it). */
function timestamp(iso: string | undefined): string | null {
  if (iso === undefined) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().slice(0, -1);
}

function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/**
 * A payload or output column and its `*Type` companion: JSON text, or for a value with Dates, Maps, BigInts… the
 * superjson document their client rebuilds them from (`application/super+json`).
 */
function packet(value: Json | undefined, meta: ValueMeta | undefined): [data: string | null, type: string] {
  if (value !== undefined && hasTypes(meta)) return [toSuperJson(value, meta), SUPER_JSON];
  return [json(value), 'application/json'];
}

/** The raw column values of a run (before skipColumns). */
function rawValues(run: Run, legacyApi: boolean): Record<string, string | null> {
  const error =
    run.error === undefined
      ? null
      : JSON.stringify({ type: 'BUILT_IN_ERROR', name: run.error.name ?? 'Error', message: run.error.message, stackTrace: run.error.stackTrace ?? '' });
  const [payload, payloadType] = packet(run.payload, run.payloadMeta);
  const [output, outputType] = packet(run.output, run.outputMeta);
  return {
    id: run.id,
    taskIdentifier: run.taskIdentifier,
    createdAt: timestamp(run.createdAt),
    updatedAt: timestamp(run.updatedAt),
    startedAt: timestamp(run.startedAt),
    delayUntil: timestamp(run.delayedUntil),
    // Queued when created, or when its delay elapsed.
    queuedAt: run.status === 'DELAYED' ? null : timestamp(run.delayedUntil ?? run.createdAt),
    expiredAt: timestamp(run.expiredAt),
    completedAt: timestamp(run.finishedAt),
    friendlyId: run.id,
    number: String(run.number),
    isTest: run.isTest ? 't' : 'f',
    status: dbStatus(run.status, legacyApi),
    usageDurationMs: String(Math.round(run.durationMs)),
    costInCents: String(run.costInCents),
    baseCostInCents: String(run.baseCostInCents),
    ttl: run.ttl ?? null,
    payload,
    payloadType,
    metadata: json(run.metadata),
    metadataType: 'application/json',
    output,
    outputType,
    runTags: run.tags.length === 0 ? null : pgArray(run.tags),
    error,
    realtimeStreams: pgArray(run.realtimeStreams),
  };
}

/** Encodes a run as one Electric row value for the given column set. */
export function encodeRow(run: Run, columns: readonly Column[], legacyApi = false): ElectricValue {
  const raw = rawValues(run, legacyApi);
  const out: ElectricValue = {};
  for (const c of columns) out[c.name] = raw[c.name] ?? null;
  return out;
}

/** The row key their client merges updates by. */
export function rowKey(runId: string): string {
  return `"public"."TaskRun"/"${runId}"`;
}
