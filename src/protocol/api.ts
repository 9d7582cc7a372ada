import * as z from 'zod/mini';
import './zod-locale';
import type { MetadataOperation as SharedMetadataOperation } from '../shared/metadata';
import { Json, JsonObject, Run, RunStatus, ValueMeta } from './run';

export const LIMITS = {
  payloadBytes: 3 * 1024 * 1024,
  outputBytes: 10 * 1024 * 1024,
  metadataBytes: 256 * 1024,
  chunkBytes: 1024 * 1024,
  appendBodyBytes: 512 * 1024,
  tagsPerRun: 10,
  tagLength: 128,
  streamKeyLength: 128,
  batchItems: 1000,
  jsonDepth: 64,
} as const;

/** How long an idempotency key finds its run or wait token when no `idempotencyKeyTTL` is given (Trigger.dev's default). */
export const DEFAULT_IDEMPOTENCY_KEY_TTL = '30d';

/** Printable text without control characters (tags, stream keys, ids), then any `more` checks in order. */
const printable = (field: string, max: number, ...more: z.core.$ZodCheck<string>[]) =>
  z.string().check(
    z.minLength(1, `${field} must not be empty`),
    z.maxLength(max, `${field} must be at most ${max} characters`),
    // eslint-disable-next-line no-control-regex
    z.regex(/^[^\u0000-\u001f\u007f]+$/, `${field} must not contain control characters`),
    ...more,
  );

export const Tag = printable('tag', LIMITS.tagLength);
export const StreamKey = printable(
  'stream key',
  LIMITS.streamKeyLength,
  z.regex(/^[^/]+$/, 'stream key must not contain "/"'),
  z.regex(/^[^$]/, 'stream key must not start with "$" (reserved)'),
);
/** A task id; it may contain "/" (Trigger.dev allows it): the trigger route takes it percent-encoded, `a%2Fb`. */
export const TaskId = printable('task id', 128);

export const Tags = z.pipe(
  z.pipe(
    z.union([Tag, z.array(Tag)]),
    z.transform((t) => (Array.isArray(t) ? t : [t])),
  ),
  z.array(Tag).check(z.maxLength(LIMITS.tagsPerRun, `a run has at most ${LIMITS.tagsPerRun} tags`)),
);

/** The longest delay or ttl: 10 years (longer ones overflow the date range). */
const MAX_DURATION_SECONDS = 10 * 365 * 86_400;
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/** A duration such as "30s", "5m", "1h", "2d" or a number of seconds (at most 10 years). */
export const Duration = z.union([
  z.number().check(z.nonnegative(), z.maximum(MAX_DURATION_SECONDS, 'a duration is at most 10 years')),
  z.string().check(
    z.regex(/^\d+(\.\d+)?(ms|s|m|h|d|w)$/, 'use a duration such as "30s", "5m" or "1h"'),
    z.refine((d) => {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(d);
      return !m || Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] <= MAX_DURATION_SECONDS;
    }, 'a duration is at most 10 years'),
  ),
]);

/** A queue's name: printable, at most 128 characters (a task's own queue is `task/<task id>`). */
export const QueueName = printable('queue name', 128 + 'task/'.length);

/**
 * Trigger-time `queue`: the name of a queue defined in code. Our SDK sends the name; Trigger.dev's sends
 * `{ name }` (its body shape); both mean the same.
 */
export const TriggerQueue = z.pipe(
  z.union([QueueName, z.object({ name: QueueName })]),
  z.transform((q) => (typeof q === 'string' ? q : q.name)),
);

/** `concurrencyKey`: each key gets its own copy of the queue's limit. Trigger.dev's SDK also takes a number. */
export const ConcurrencyKey = z.pipe(
  z.union([printable('concurrencyKey', 512), z.number().check(z.int())]),
  z.transform((k) => String(k)),
);

/** `priority`: seconds of time offset; a run with priority 10 is dequeued as if queued 10 seconds earlier. */
export const Priority = z
  .number()
  .check(z.nonnegative('priority must not be negative'), z.maximum(MAX_DURATION_SECONDS, 'priority is at most 10 years of seconds'));

export const TriggerOptions = z.object({
  tags: z.optional(Tags),
  metadata: z.optional(JsonObject),
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  /** How long the key finds this run ("1h", "30d", or seconds); default 30 days. Past it, the key makes a new run. */
  idempotencyKeyTTL: z.optional(Duration),
  delay: z.optional(z.union([Duration, z.iso.datetime({ offset: true })])),
  ttl: z.optional(Duration),
  maxAttempts: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100))),
  maxDuration: z.optional(z.number().check(z.positive(), z.maximum(86_400))),
  batchId: z.optional(z.string()),
  test: z.optional(z.boolean()),
  parentRunId: z.optional(z.string()),
  queue: z.optional(TriggerQueue),
  concurrencyKey: z.optional(ConcurrencyKey),
  priority: z.optional(Priority),
});
export type TriggerOptions = z.infer<typeof TriggerOptions>;

export const TriggerRequest = z.object({
  /** The payload as JSON: itself, or superjson's JSON part of a payload with Dates, Maps… (see protocol/values.ts). */
  payload: z.optional(Json),
  /** superjson's meta of a payload that is not plain JSON; the engine refuses one that does not fit `payload`. */
  payloadMeta: z.optional(ValueMeta),
  options: z.optional(TriggerOptions),
});
export type TriggerRequest = z.infer<typeof TriggerRequest>;

export const TriggerResponse = z.object({ id: z.string() });

/**
 * Runlight's own: trigger a run under the debugger (`POST /api/v1/tasks/:taskId/debug`). As a trigger, but a debug run
 * is always new and starts at once (no idempotency key, no delay), and its worker waits `waitForDebuggerMs` (1 s to
 * 10 min, default 60 s) for a debugger to attach to its inspector.
 */
export const DebugRequest = z.extend(TriggerRequest, {
  waitForDebuggerMs: z.optional(z.number().check(z.int(), z.minimum(1000), z.maximum(600_000))),
});
export type DebugRequest = z.infer<typeof DebugRequest>;

/** The debug run, and the inspector its worker listens on (127.0.0.1 only) until a debugger attaches. */
export const DebugResponse = z.object({
  id: z.string(),
  inspector: z.object({
    host: z.string(),
    port: z.number(),
    /** The inspector's WebSocket URL. */
    url: z.string(),
    /** Milliseconds the worker waits for a debugger; past them the run fails. */
    waitMs: z.number(),
  }),
});
export type DebugResponse = z.infer<typeof DebugResponse>;

export const BatchItem = z.object({
  task: TaskId,
  payload: z.optional(Json),
  payloadMeta: z.optional(ValueMeta),
  options: z.optional(TriggerOptions),
});
export const BatchTriggerRequest = z.object({
  items: z.array(BatchItem).check(z.minLength(1, 'items must not be empty'), z.maxLength(LIMITS.batchItems)),
});
export type BatchTriggerRequest = z.infer<typeof BatchTriggerRequest>;
export const BatchTriggerResponse = z.object({
  batchId: z.string(),
  runs: z.array(z.object({ id: z.string(), taskIdentifier: z.string() })),
});
export type BatchTriggerResponse = z.infer<typeof BatchTriggerResponse>;

const unsafeKeySegment = /(^|[.$[\]'"])(__proto__|constructor|prototype)($|[.\]'"])/;
export const MetadataKey = z.string().check(
  z.minLength(1, 'key must not be empty'),
  z.maxLength(256),
  z.refine((k) => !unsafeKeySegment.test(k) && !['__proto__', 'constructor', 'prototype'].includes(k), 'key must not name __proto__, constructor or prototype'),
);

/** The operations src/shared/metadata.ts applies (the annotation makes the compiler keep the two the same). */
export const MetadataOperation: z.ZodMiniType<SharedMetadataOperation> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('set'), key: MetadataKey, value: Json }),
  z.object({ type: z.literal('delete'), key: MetadataKey }),
  z.object({ type: z.literal('append'), key: MetadataKey, value: Json }),
  z.object({ type: z.literal('remove'), key: MetadataKey, value: Json }),
  z.object({ type: z.literal('increment'), key: MetadataKey, value: z.number() }),
  z.object({ type: z.literal('update'), value: JsonObject }),
]);
export type MetadataOperation = SharedMetadataOperation;

export const MetadataUpdateRequest = z.object({
  operations: z.optional(z.array(MetadataOperation)),
  parentOperations: z.optional(z.array(MetadataOperation)),
  rootOperations: z.optional(z.array(MetadataOperation)),
  metadata: z.optional(JsonObject),
});
export type MetadataUpdateRequest = z.infer<typeof MetadataUpdateRequest>;

export const AddTagsRequest = z.object({ tags: Tags });

export const ListRunsQuery = z.object({
  status: z.optional(z.array(RunStatus)),
  taskIdentifier: z.optional(z.array(z.string())),
  tag: z.optional(z.array(z.string())),
  batch: z.optional(z.string()),
  /** Runs a schedule triggered (Trigger.dev's `filter[schedule]`). */
  schedule: z.optional(z.string()),
  /** The children of a run: runs it triggered from inside its task (a Runlight filter, `filter[parentRunId]`). */
  parentRunId: z.optional(z.string()),
  pageSize: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1000)), 50),
  after: z.optional(z.string()),
});
export type ListRunsQuery = z.infer<typeof ListRunsQuery>;

/** A page of a cursor-paged list: its items and the cursor of the next page, if any. */
export function PageOf<T extends z.ZodMiniType>(item: T) {
  return z.object({ data: z.array(item), pagination: z.object({ next: z.optional(z.string()) }) });
}

export const ListRunsResponse = PageOf(Run);
export type ListRunsResponse = z.infer<typeof ListRunsResponse>;

/** A queue as task code defines it: a task's own (`task/<id>`) or a shared `queue({ name, concurrencyLimit })`. */
export const QueueInfo = z.object({
  name: z.string(),
  /** Most runs of the queue (per concurrency key) DEQUEUED or EXECUTING at once; absent = no limit but the worker pool. */
  concurrencyLimit: z.optional(z.number().check(z.int(), z.minimum(0))),
});
export type QueueInfo = z.infer<typeof QueueInfo>;

export const TaskInfo = z.object({
  id: z.string(),
  filePath: z.string(),
  exportName: z.optional(z.string()),
  line: z.optional(z.number().check(z.int())),
  maxDuration: z.optional(z.number()),
  /** The task's `retry.maxAttempts`: the default for runs triggered without `maxAttempts`. */
  maxAttempts: z.optional(z.number().check(z.int(), z.minimum(1))),
  /** The payload's JSON Schema: the task's `jsonSchema` option, or derived from a schemaTask's schema where it can say (Standard JSON Schema). */
  payloadSchema: z.optional(JsonObject),
  /** `schedule`: defined with `schedules.task` (schedules may trigger it). */
  triggerSource: z.optional(z.literal('schedule')),
  /** Its declarative schedule (`schedules.task({ cron })`), as written. */
  schedule: z.optional(z.object({ cron: z.string(), timezone: z.string() })),
  /** The queue its runs go to unless triggered with another: its own (`task/<id>`) or a shared one, by name. */
  queue: z.optional(z.string()),
});
export type TaskInfo = z.infer<typeof TaskInfo>;
export const ListTasksResponse = z.object({
  tasks: z.array(TaskInfo),
  errors: z.array(z.string()),
  /** The task folders the engine searches (workspace-relative), when they are listed (setting or trigger.config `dirs`); absent: every `trigger` folder. */
  taskDirs: z.optional(z.array(z.string())),
});
export type ListTasksResponse = z.infer<typeof ListTasksResponse>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const EngineInfo = z.object({ url: z.string(), pid: z.number().check(z.int()), version: z.string() });
export type EngineInfo = z.infer<typeof EngineInfo>;

export const CreatePublicTokenRequest = z.object({
  scopes: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  expirationTime: z.optional(z.union([z.string(), z.number()])),
});
