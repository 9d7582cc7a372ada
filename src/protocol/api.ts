import * as z from 'zod';
import { Json, JsonObject, Run, RunStatus } from './run';

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

/** Printable text without control characters (tags, stream keys, ids). */
const printable = (field: string, max: number) =>
  z
    .string()
    .min(1, `${field} must not be empty`)
    .max(max, `${field} must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]+$/, `${field} must not contain control characters`);

export const Tag = printable('tag', LIMITS.tagLength);
export const StreamKey = printable('stream key', LIMITS.streamKeyLength)
  .regex(/^[^/]+$/, 'stream key must not contain "/"')
  .regex(/^[^$]/, 'stream key must not start with "$" (reserved)');
export const TaskId = printable('task id', 128).regex(/^[^/]+$/, 'task id must not contain "/"');

export const Tags = z
  .union([Tag, z.array(Tag)])
  .transform((t) => (Array.isArray(t) ? t : [t]))
  .pipe(z.array(Tag).max(LIMITS.tagsPerRun, `a run has at most ${LIMITS.tagsPerRun} tags`));

/** The longest delay or ttl: 10 years (longer ones overflow the date range). */
const MAX_DURATION_SECONDS = 10 * 365 * 86_400;
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/** A duration such as "30s", "5m", "1h", "2d" or a number of seconds (at most 10 years). */
export const Duration = z.union([
  z.number().nonnegative().max(MAX_DURATION_SECONDS, 'a duration is at most 10 years'),
  z
    .string()
    .regex(/^\d+(\.\d+)?(ms|s|m|h|d|w)$/, 'use a duration such as "30s", "5m" or "1h"')
    .refine((d) => {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(d);
      return !m || Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] <= MAX_DURATION_SECONDS;
    }, 'a duration is at most 10 years'),
]);

export const TriggerOptions = z
  .object({
    tags: Tags.optional(),
    metadata: JsonObject.optional(),
    idempotencyKey: z.string().min(1).max(512).optional(),
    delay: z.union([Duration, z.string().datetime({ offset: true })]).optional(),
    ttl: Duration.optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    maxDuration: z.number().positive().max(86_400).optional(),
    batchId: z.string().optional(),
    test: z.boolean().optional(),
    parentRunId: z.string().optional(),
  })
  .strip();
export type TriggerOptions = z.infer<typeof TriggerOptions>;

export const TriggerRequest = z.object({
  payload: Json.optional(),
  options: TriggerOptions.optional(),
});
export type TriggerRequest = z.infer<typeof TriggerRequest>;

export const TriggerResponse = z.object({ id: z.string() });

export const BatchItem = z.object({
  task: TaskId,
  payload: Json.optional(),
  options: TriggerOptions.optional(),
});
export const BatchTriggerRequest = z.object({
  items: z.array(BatchItem).min(1, 'items must not be empty').max(LIMITS.batchItems),
});
export type BatchTriggerRequest = z.infer<typeof BatchTriggerRequest>;
export const BatchTriggerResponse = z.object({
  batchId: z.string(),
  runs: z.array(z.object({ id: z.string(), taskIdentifier: z.string() })),
});
export type BatchTriggerResponse = z.infer<typeof BatchTriggerResponse>;

const unsafeKeySegment = /(^|[.$[\]'"])(__proto__|constructor|prototype)($|[.\]'"])/;
export const MetadataKey = z
  .string()
  .min(1, 'key must not be empty')
  .max(256)
  .refine((k) => !unsafeKeySegment.test(k) && !['__proto__', 'constructor', 'prototype'].includes(k), {
    message: 'key must not name __proto__, constructor or prototype',
  });

export const MetadataOperation = z.discriminatedUnion('type', [
  z.object({ type: z.literal('set'), key: MetadataKey, value: Json }),
  z.object({ type: z.literal('delete'), key: MetadataKey }),
  z.object({ type: z.literal('append'), key: MetadataKey, value: Json }),
  z.object({ type: z.literal('remove'), key: MetadataKey, value: Json }),
  z.object({ type: z.literal('increment'), key: MetadataKey, value: z.number() }),
  z.object({ type: z.literal('update'), value: JsonObject }),
]);
export type MetadataOperation = z.infer<typeof MetadataOperation>;

export const MetadataUpdateRequest = z.object({
  operations: z.array(MetadataOperation).optional(),
  parentOperations: z.array(MetadataOperation).optional(),
  rootOperations: z.array(MetadataOperation).optional(),
  metadata: JsonObject.optional(),
});
export type MetadataUpdateRequest = z.infer<typeof MetadataUpdateRequest>;

export const AddTagsRequest = z.object({ tags: Tags });

export const ListRunsQuery = z.object({
  status: z.array(RunStatus).optional(),
  taskIdentifier: z.array(z.string()).optional(),
  tag: z.array(z.string()).optional(),
  batch: z.string().optional(),
  pageSize: z.number().int().min(1).max(1000).default(50),
  after: z.string().optional(),
});
export type ListRunsQuery = z.infer<typeof ListRunsQuery>;

export const ListRunsResponse = z.object({
  data: z.array(Run),
  pagination: z.object({ next: z.string().optional() }),
});
export type ListRunsResponse = z.infer<typeof ListRunsResponse>;

export const TaskInfo = z.object({
  id: z.string(),
  filePath: z.string(),
  exportName: z.string().optional(),
  line: z.number().int().optional(),
  maxDuration: z.number().optional(),
  /** The task's `retry.maxAttempts`: the default for runs triggered without `maxAttempts`. */
  maxAttempts: z.number().int().min(1).optional(),
});
export type TaskInfo = z.infer<typeof TaskInfo>;
export const ListTasksResponse = z.object({ tasks: z.array(TaskInfo), errors: z.array(z.string()) });
export type ListTasksResponse = z.infer<typeof ListTasksResponse>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const EngineInfo = z.object({ url: z.string(), pid: z.number().int(), version: z.string() });
export type EngineInfo = z.infer<typeof EngineInfo>;

export const CreatePublicTokenRequest = z.object({
  scopes: z.array(z.string().min(1)).min(1),
  expirationTime: z.union([z.string(), z.number()]).optional(),
});
