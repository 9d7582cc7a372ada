/**
 * The Runlight SDK, shaped like `@trigger.dev/sdk` v4: the in-task API (task, schemaTask,
 * metadata, streams, tags, logger, wait) and the backend API (configure, tasks, runs, auth).
 */
export * from './task';
export * from './backend';
