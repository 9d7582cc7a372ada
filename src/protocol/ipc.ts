import * as z from 'zod/mini';
import './zod-locale';
import { Json, JsonObject, RunError } from './run';
import { MetadataOperation, TaskInfo } from './api';

/** Messages from the engine to a task worker. */
export const EngineToWorker = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('execute'),
    attemptId: z.string(),
    bundlePath: z.string(),
    taskId: z.string(),
    run: z.object({
      id: z.string(),
      payload: z.optional(Json),
      metadata: JsonObject,
      tags: z.array(z.string()),
      attempt: z.number().check(z.int()),
      batchId: z.optional(z.string()),
      parentRunId: z.optional(z.string()),
      rootRunId: z.optional(z.string()),
      /** The run's attempt limit: the attempt that reaches it is the last (onFailure runs after it). */
      maxAttempts: z.optional(z.number().check(z.int(), z.minimum(1))),
    }),
    apiUrl: z.string(),
    accessToken: z.string(),
  }),
  z.object({ type: z.literal('index'), requestId: z.string(), bundlePath: z.string() }),
  /** The engine stops the attempt: the task's `signal` is aborted (and onCancel runs); the worker is killed a grace period later. */
  z.object({ type: z.literal('stop'), attemptId: z.string(), reason: z.enum(['cancel', 'maxDuration']) }),
  z.object({ type: z.literal('ack'), requestId: z.string(), error: z.optional(z.string()) }),
]);
export type EngineToWorker = z.infer<typeof EngineToWorker>;

export const WorkerLog = z.object({ level: z.enum(['debug', 'log', 'info', 'warn', 'error']), message: z.string() });

/** Messages from a task worker to the engine. Requests with a requestId are acknowledged after commit. */
export const WorkerToEngine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({
    type: z.literal('indexed'),
    requestId: z.string(),
    tasks: z.array(z.omit(TaskInfo, { filePath: true, line: true })),
    error: z.optional(z.string()),
  }),
  z.object({
    type: z.literal('metadata'),
    requestId: z.string(),
    attemptId: z.string(),
    target: z.enum(['self', 'parent', 'root']),
    operations: z.array(MetadataOperation),
  }),
  z.object({
    type: z.literal('chunks'),
    requestId: z.string(),
    attemptId: z.string(),
    target: z.string(),
    key: z.string(),
    bodies: z.array(z.string()),
  }),
  z.object({ type: z.literal('tags'), requestId: z.string(), attemptId: z.string(), tags: z.array(z.string()) }),
  z.object({ type: z.literal('logs'), attemptId: z.string(), lines: z.array(WorkerLog) }),
  z.object({ type: z.literal('completed'), attemptId: z.string(), output: z.optional(Json) }),
  z.object({
    type: z.literal('failed'),
    attemptId: z.string(),
    error: RunError,
    retryable: z.boolean(),
    /** Set by the task's catchError (retryAt / retryDelayInMs): when the retry starts, instead of the default backoff. */
    retryDelayMs: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(2 ** 31 - 1))),
  }),
]);
export type WorkerToEngine = z.infer<typeof WorkerToEngine>;
