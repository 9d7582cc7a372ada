/** Types of the backend SDK, for src/sdk/index.ts to re-export by name. */
export type { ApiClientConfiguration } from './config';
export type { RealtimeRun, AnyRealtimeRun, RetrieveRunResult, RunWithStreamsResult, StreamPartResult, TaskPayload, TaskOutput, TriggerPayload } from './types';
export type { RunHandle, BatchRunHandle, TriggerOptions, BatchItemInput } from './trigger';
export type { RunSubscription, RunSubscriptionOptions } from './subscription';
export type { RunsPage, ListRunsOptions, SubscribeToRunOptions, SubscribeToRunsOptions, RunRef } from './runs';
export type { CreatePublicTokenOptions, CreateTriggerTokenOptions, PublicTokenPermissions, ExpirationTime } from './auth';
export type { ReadStreamOptions } from './streams';
export type { BatchByIdItem, BatchByTaskItem } from './batch';
