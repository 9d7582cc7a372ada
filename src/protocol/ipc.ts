import * as z from 'zod/mini';
import './zod-locale';
import { Json, JsonObject, RunError, ValueMeta } from './run';
import { MetadataOperation, QueueInfo, TaskInfo } from './api';
import { CONFIG_HOOKS, ProjectConfig } from './config';

/**
 * What a waiting attempt waits for: a time (epoch ms), runs to finish (its children, by id), or a wait token to
 * be completed or time out. Kept on the
 * run while it is WAITING, so it is durable.
 */
export const WaitOn = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('time'), until: z.number() }),
  z.object({ kind: z.literal('runs'), runIds: z.array(z.string()).check(z.minLength(1)) }),
  z.object({ kind: z.literal('token'), tokenId: z.string() }),
]);
export type WaitOn = z.infer<typeof WaitOn>;

/** How a run a waiting attempt waited for ended: its output when it COMPLETED, else its error. */
export const WaitedRun = z.object({
  id: z.string(),
  taskIdentifier: z.string(),
  ok: z.boolean(),
  output: z.optional(Json),
  /** superjson's meta of an output that is not plain JSON (see protocol/values.ts). */
  outputMeta: z.optional(ValueMeta),
  error: z.optional(RunError),
});
export type WaitedRun = z.infer<typeof WaitedRun>;

/** How a wait token a waiting attempt waited for ended: completed with its output, or timed out (the error). */
export const WaitedToken = z.object({
  id: z.string(),
  ok: z.boolean(),
  output: z.optional(Json),
  error: z.optional(RunError),
});
export type WaitedToken = z.infer<typeof WaitedToken>;

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
      /** superjson's meta of a payload that is not plain JSON: the worker rebuilds its Dates, Maps… before `run`. */
      payloadMeta: z.optional(ValueMeta),
      metadata: JsonObject,
      tags: z.array(z.string()),
      attempt: z.number().check(z.int()),
      batchId: z.optional(z.string()),
      parentRunId: z.optional(z.string()),
      rootRunId: z.optional(z.string()),
      /** The run's attempt limit: the attempt that reaches it is the last (onFailure runs after it). */
      maxAttempts: z.optional(z.number().check(z.int(), z.minimum(1))),
      /**
       * The attempt whose child runs this one's waiting forms find again: itself, or, when the engine lost the previous
       * attempt (a stop, a `kill -9`), the lost one's, so a retried `triggerAndWait` gets the child it had already.
       */
      childAttempt: z.optional(z.number().check(z.int(), z.minimum(1))),
      /** ISO times of the run's creation and first start (`ctx.run.createdAt` / `startedAt`). */
      createdAt: z.optional(z.string()),
      startedAt: z.optional(z.string()),
      isTest: z.optional(z.boolean()),
      idempotencyKey: z.optional(z.string()),
      /** Seconds. */
      maxDuration: z.optional(z.number()),
      /** The run's queue (`ctx.queue.name`). */
      queue: z.optional(z.string()),
    }),
    /** The task's source file, relative to the workspace (`ctx.task.filePath`). */
    filePath: z.optional(z.string()),
    apiUrl: z.string(),
    accessToken: z.string(),
    /** The bundle of the project's trigger.config file, when it has one that loads: its hooks and retry settings apply. */
    configPath: z.optional(z.string()),
  }),
  z.object({ type: z.literal('index'), requestId: z.string(), bundlePath: z.string() }),
  /** Load the bundle of the project's trigger.config file and say what it sets (answered by `configLoaded`). */
  z.object({ type: z.literal('loadConfig'), requestId: z.string(), bundlePath: z.string() }),
  /** The engine stops the attempt: the task's `signal` is aborted (and onCancel runs); the worker is killed a grace period later. */
  z.object({ type: z.literal('stop'), attemptId: z.string(), reason: z.enum(['cancel', 'maxDuration']) }),
  z.object({ type: z.literal('ack'), requestId: z.string(), error: z.optional(z.string()) }),
  /**
   * Runlight's debug runs: open the Node inspector on `host` (a free port), say where (`inspecting`), then wait until a
   * debugger has attached and sent `Runtime.runIfWaitingForDebugger` (`debuggerAttached`). Sent only to a worker
   * forked for one debug run.
   */
  z.object({ type: z.literal('inspect'), host: z.literal('127.0.0.1') }),
  /** The wait `waitId` of the attempt is over: the runs it waited for (in the order asked), or the token, if any. */
  z.object({
    type: z.literal('resume'),
    attemptId: z.string(),
    waitId: z.string(),
    runs: z.optional(z.array(WaitedRun)),
    token: z.optional(WaitedToken),
  }),
]);
export type EngineToWorker = z.infer<typeof EngineToWorker>;

export const WorkerLog = z.object({ level: z.enum(['debug', 'log', 'info', 'warn', 'error']), message: z.string() });

/** Messages from a task worker to the engine. Requests with a requestId are acknowledged after commit. */
export const WorkerToEngine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** The inspector is open (answer to `inspect`): its WebSocket URL, `ws://127.0.0.1:<port>/<id>`. */
  z.object({ type: z.literal('inspecting'), url: z.string() }),
  /** A debugger attached to the inspector and let the worker go on (`Runtime.runIfWaitingForDebugger`). */
  z.object({ type: z.literal('debuggerAttached') }),
  z.object({
    type: z.literal('indexed'),
    requestId: z.string(),
    tasks: z.array(
      z.extend(z.omit(TaskInfo, { filePath: true, line: true }), {
        /** The task has its own `retry` options (then the config's `retries.default` does not apply to it). */
        hasRetry: z.optional(z.boolean()),
      }),
    ),
    /** Every queue the file defines: the tasks' own, shared `queue()` objects, with their limits. */
    queues: z.optional(z.array(QueueInfo)),
    error: z.optional(z.string()),
  }),
  /**
   * What the project's config sets: its valid fields, the hooks it defines, and one readable problem per field it
   * could not take (each naming the file and the field); `error` when the file did not load at all.
   */
  z.object({
    type: z.literal('configLoaded'),
    requestId: z.string(),
    config: ProjectConfig,
    hooks: z.array(z.enum([...CONFIG_HOOKS, 'handleError'])),
    problems: z.array(z.string()),
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
  /** The attempt waits: acknowledged once the run is WAITING (or refused); a `resume` with the same waitId ends the wait. */
  z.object({ type: z.literal('wait'), requestId: z.string(), attemptId: z.string(), waitId: z.string(), on: WaitOn }),
  z.object({ type: z.literal('logs'), attemptId: z.string(), lines: z.array(WorkerLog) }),
  /** The task's return value as JSON, and superjson's meta when it is not plain JSON (a Date, a BigInt…). */
  z.object({ type: z.literal('completed'), attemptId: z.string(), output: z.optional(Json), outputMeta: z.optional(ValueMeta) }),
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
