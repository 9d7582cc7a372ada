/**
 * The Runlight SDK, shaped like `@trigger.dev/sdk` v4: the in-task API (task, schemaTask,
 * metadata, streams, tags, logger, wait) and the backend API (configure, tasks, runs, auth).
 */
export * from './task';
export * from './backend';
// Inside a task, triggered runs are children and may be waited for: the task side's `tasks` and `batch` wrap the backend's.
export { tasks, batch } from './task';
