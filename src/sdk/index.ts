/**
 * The Runlight SDK, shaped like `@trigger.dev/sdk` v4: the in-task API (task, schemaTask,
 * metadata, streams, tags, logger, wait) and the backend API (configure, tasks, runs, auth).
 */
import { tasks as taskSideTasks } from './task';
import { globalHookRegistrars } from './task/hooks';
import { scheduledTask } from './task/scheduledTask';
import { schedulesApi } from './backend/schedules';

export * from './task';
export * from './backend';

/**
 * Trigger.dev's `tasks`: triggering (`tasks.trigger`, `tasks.triggerAndWait`, `tasks.batchTrigger`, …; inside a
 * task the triggered runs are its children) and the global lifecycle hooks (`tasks.onStart`, `tasks.onCancel`,
 * `tasks.middleware`, `tasks.catchError`, …). Declared here, it takes the place of the `tasks` that `export *` would
 * otherwise bring.
 */
export const tasks = { ...taskSideTasks, ...globalHookRegistrars };
export { batch } from './task';
export * from './platform';
export * from './backend/unsupported';

/**
 * Trigger.dev's `schedules`: `schedules.task` defines a scheduled task (with `cron`, its own declarative schedule);
 * `create`, `retrieve`, `list`, `update`, `del`, `activate`, `deactivate` and `timezones` manage schedules from code.
 */
export const schedules = { task: scheduledTask, ...schedulesApi };
export type { ScheduledTaskPayload, ScheduledTaskOptions, CronOptions } from './task/scheduledTask';
export type { ScheduleObject, CreateScheduleOptions, UpdateScheduleOptions, SchedulesPage } from './backend/schedules';
