export { EngineClient, runIsFinished } from './api';
export type { EngineClientOptions, TriggerResult, BatchTriggerItem, BatchTriggerResult, ListRunsParams, RunFeedOptions } from './api';
export type { FeedOptions, StreamChunk, StreamFeedOptions } from './feeds';
export { parseRunEvent } from './feeds';
export { subscribeSse, sseMessages, backoffDelay, isRetryableStatus, SseTimeoutError } from './sse';
export type { SseMessage, SseBackoff, SseOpenInfo, SseRetryInfo, SseRequest, SubscribeSseOptions, SseStopReason } from './sse';
export { EngineApiError, SseFeedError, EngineConnectionError, isAbortError } from './errors';
export type { ErrorIssue } from './errors';
export { Channel } from './channel';
