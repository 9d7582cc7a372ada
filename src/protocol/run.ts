import * as z from 'zod/mini';
import './zod-locale';
import type { Json as SharedJson } from '../shared/json';
import { RUN_STATUSES } from '../shared/status';

export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

/** Any JSON value. */
export type Json = SharedJson;
/**
 * A JSON object. A `"__proto__"` key (which JSON.parse keeps as an own key) is refused with its path: every
 * copy into a plain object, this schema's included, would drop it silently.
 */
export const JsonObject: z.ZodMiniType<{ [key: string]: Json }> = z.lazy(() =>
  z.pipe(
    z.unknown().check(
      z.superRefine((v, ctx) => {
        if (typeof v === 'object' && v !== null && Object.hasOwn(v, '__proto__')) {
          ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'the key "__proto__" is not allowed in JSON objects here' });
        }
      }),
    ),
    z.record(z.string(), Json),
  ),
);
export const Json: z.ZodMiniType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(Json), JsonObject]));

/**
 * superjson's `meta` of a value (Trigger.dev's `application/super+json`): which places of its JSON part stand for a
 * `Date`, `Map`, `Set`, `BigInt`, `URL`, `RegExp`, `undefined`, … (`values`, a tree of annotations by path) and which
 * share one object (`referentialEqualities`). `v` is the path format's version. Absent on a plain JSON value.
 */
export const ValueMeta = z.object({
  values: z.optional(z.union([z.array(Json), JsonObject])),
  referentialEqualities: z.optional(z.union([z.array(Json), JsonObject])),
  v: z.optional(z.number()),
});
export type ValueMeta = z.infer<typeof ValueMeta>;

export const RunError = z.object({
  message: z.string(),
  name: z.optional(z.string()),
  stackTrace: z.optional(z.string()),
});
export type RunError = z.infer<typeof RunError>;

const isoDate = z.string();

export const ScheduleType = z.enum(['DECLARATIVE', 'IMPERATIVE']);
export type ScheduleType = z.infer<typeof ScheduleType>;

/** How a schedule makes its ticks (Trigger.dev's `ScheduleGenerator`): a cron expression and its English description. */
export const ScheduleGenerator = z.object({ type: z.literal('CRON'), expression: z.string(), description: z.string() });
export type ScheduleGenerator = z.infer<typeof ScheduleGenerator>;

/** The schedule that triggered a run (Trigger.dev's `RunScheduleDetails`, as `runs.retrieve` gives it). */
export const RunSchedule = z.object({
  id: z.string(),
  externalId: z.optional(z.string()),
  deduplicationKey: z.optional(z.string()),
  generator: ScheduleGenerator,
});
export type RunSchedule = z.infer<typeof RunSchedule>;

/**
 * What a WAITING run waits on (a Runlight addition, like `batchId`): a time, child runs, or a wait token.
 * Present only while the run is WAITING.
 */
export const WaitingFor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('time'), until: isoDate }),
  z.object({ kind: z.literal('runs'), runIds: z.array(z.string()) }),
  z.object({ kind: z.literal('token'), tokenId: z.string() }),
]);
export type WaitingFor = z.infer<typeof WaitingFor>;

/**
 * The run object every subscriber receives on every change: Trigger.dev's realtime run shape, plus Runlight's
 * additions `payloadMeta` / `outputMeta` (the types of a payload or output that is not plain JSON), `batchId`, the lineage of a run triggered from inside a task (`parentTaskRunId`, `rootTaskRunId`,
 * `depth`; absent on top-level runs), `waitingFor` (while WAITING) and `schedule` (on runs a schedule triggered).
 */
export const Run = z.object({
  id: z.string(),
  taskIdentifier: z.string(),
  status: RunStatus,
  /** The payload as JSON: itself, or for a payload with non-JSON values (Dates, Maps…) superjson's JSON part. */
  payload: z.optional(Json),
  /** How to rebuild the payload's non-JSON values from `payload` (superjson's meta); absent on a plain JSON payload. */
  payloadMeta: z.optional(ValueMeta),
  output: z.optional(Json),
  /** Like `payloadMeta`, for the output. */
  outputMeta: z.optional(ValueMeta),
  metadata: z.optional(JsonObject),
  error: z.optional(RunError),
  tags: z.array(z.string()),
  batchId: z.optional(z.string()),
  parentTaskRunId: z.optional(z.string()),
  rootTaskRunId: z.optional(z.string()),
  depth: z.optional(z.number().check(z.int(), z.positive())),
  waitingFor: z.optional(WaitingFor),
  /** Set on runs a schedule triggered. */
  schedule: z.optional(RunSchedule),
  createdAt: isoDate,
  updatedAt: isoDate,
  startedAt: z.optional(isoDate),
  finishedAt: z.optional(isoDate),
  delayedUntil: z.optional(isoDate),
  expiredAt: z.optional(isoDate),
  ttl: z.optional(z.string()),
  idempotencyKey: z.optional(z.string()),
  /** The queue the run is in (`task/<task id>` for a task's own queue). */
  queue: z.optional(z.string()),
  isTest: z.boolean(),
  durationMs: z.number(),
  costInCents: z.number(),
  baseCostInCents: z.number(),
  realtimeStreams: z.array(z.string()),
  attemptCount: z.number().check(z.int()),
  number: z.number().check(z.int()),
  isQueued: z.boolean(),
  isExecuting: z.boolean(),
  isWaiting: z.boolean(),
  isCompleted: z.boolean(),
  isFailed: z.boolean(),
  isSuccess: z.boolean(),
  isCancelled: z.boolean(),
});
export type Run = z.infer<typeof Run>;

export type RunFlags = Pick<Run, 'isQueued' | 'isExecuting' | 'isWaiting' | 'isCompleted' | 'isFailed' | 'isSuccess' | 'isCancelled'>;

const FAILED: ReadonlySet<RunStatus> = new Set<RunStatus>(['FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'EXPIRED', 'TIMED_OUT']);

/** The boolean helpers, exactly as Trigger.dev derives them (`isCompleted` excludes CANCELED). */
export function statusFlags(status: RunStatus): RunFlags {
  const isSuccess = status === 'COMPLETED';
  const isFailed = FAILED.has(status);
  return {
    isQueued: status === 'PENDING_VERSION' || status === 'QUEUED' || status === 'DELAYED',
    isExecuting: status === 'DEQUEUED' || status === 'EXECUTING',
    isWaiting: status === 'WAITING',
    isCompleted: isSuccess || isFailed,
    isFailed,
    isSuccess,
    isCancelled: status === 'CANCELED',
  };
}
