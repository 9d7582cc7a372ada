/** The in-task SDK: what task files import from `@trigger.dev/sdk` (or `runlight/sdk`). */
export {
  task,
  schemaTask,
  queue,
  AbortTaskRunError,
  type Task,
  type AnyTask,
  type TaskOptions,
  type SchemaTaskOptions,
  type TaskIdentifier,
  type TaskPayload,
  type TaskOutput,
  type RunHandle,
  type BatchItem,
  type QueueOptions,
  type RetryOptions,
  type RunFnParams,
} from './task';
export { TaskPayloadParsedError, type TaskSchema, type InferSchemaInput, type InferSchemaOutput } from './schema';
export { metadata, type RunMetadata, type RunMetadataUpdater } from './metadata';
export { MetadataTooLargeError } from './metadataManager';
export {
  streams,
  DEFAULT_STREAM_KEY,
  type AsyncIterableStream,
  type PipeStreamResult,
  type PipeStreamOptions,
  type AppendStreamOptions,
  type WriterStreamOptions,
  type ReadStreamOptions,
  type RealtimeDefinedStream,
  type InferStreamType,
} from './streams';
export { tags } from './tags';
export { retry } from './retry';
export { defineConfig, type TriggerConfig } from './config';
export { idempotencyKeys, type IdempotencyKey, type IdempotencyKeyScope } from './idempotency';
export { logger, type LogAttributes } from './logger';
export { wait, WaitpointTimeoutError, type WaitForOptions, type WaitpointTokenResult } from './wait';
export { tasks, batch, SubtaskUnwrapError, TaskRunPromise, type TaskRunResult, type BatchResult } from './subtasks';
export type { TaskRunContext, TaskRunContext as Context } from './runtime';
export {
  locals,
  type Locals,
  type LocalsKey,
  type TaskHooks,
  type TaskInitOutput,
  type TaskWait,
  type TaskCompleteResult,
  type CatchErrorResult,
  type InitHookParams,
  type StartHookParams,
  type StartAttemptHookParams,
  type SuccessHookParams,
  type FailureHookParams,
  type CompleteHookParams,
  type WaitHookParams,
  type CancelHookParams,
  type CleanupHookParams,
  type MiddlewareHookParams,
  type CatchErrorHookParams,
} from './hooks';
