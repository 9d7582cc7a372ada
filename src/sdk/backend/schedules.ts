/**
 * Trigger.dev's schedules API (`schedules.create`, `retrieve`, `list`, `update`, `del`, `activate`, `deactivate`,
 * `timezones`), on the engine's `/api/v1/schedules` and `/api/v1/timezones`. `schedules.task` is in
 * src/sdk/task/scheduledTask.ts; src/sdk/index.ts puts both under `schedules`.
 */
import type { ScheduleObject as WireSchedule } from '../../protocol/schedules';
import { apiClient } from './config';
import { offsetPage, type OffsetPage } from './page';

/** A schedule as the SDK returns it (Trigger.dev's `ScheduleObject`): times as Dates. */
export interface ScheduleObject {
  id: string;
  type: 'DECLARATIVE' | 'IMPERATIVE';
  /** The task it triggers. */
  task: string;
  active: boolean;
  deduplicationKey?: string | null;
  externalId?: string | null;
  generator: { type: 'CRON'; expression: string; description: string };
  timezone: string;
  /** The next tick (absent while inactive). */
  nextRun?: Date | null;
  /** Runlight's addition: the last tick that triggered a run. */
  lastRun?: Date | null;
  environments: Array<{ id: string; type: string; userName?: string | null }>;
}

export interface CreateScheduleOptions {
  /** The id of a scheduled task (`schedules.task`). */
  task: string;
  /** Five fields: minute hour day-of-month month day-of-week. */
  cron: string;
  /** One schedule per key: creating with a key again updates that schedule. */
  deduplicationKey?: string;
  /** Your own id (a user id, …), given to each run as `payload.externalId`. */
  externalId?: string;
  /** IANA time zone the cron is read in (default "UTC"), daylight saving included. */
  timezone?: string;
}

export type UpdateScheduleOptions = Omit<CreateScheduleOptions, 'deduplicationKey'>;

export type SchedulesPage = OffsetPage<ScheduleObject>;

function toSchedule(s: WireSchedule): ScheduleObject {
  const date = (v: string | null | undefined): Date | null | undefined => (typeof v === 'string' ? new Date(v) : v);
  const out: ScheduleObject = { ...s, nextRun: date(s.nextRun), lastRun: date(s.lastRun) };
  if (out.nextRun === undefined) delete out.nextRun;
  if (out.lastRun === undefined) delete out.lastRun;
  return out;
}

async function create(options: CreateScheduleOptions): Promise<ScheduleObject> {
  return toSchedule(await apiClient().createSchedule(options));
}

async function retrieve(scheduleId: string): Promise<ScheduleObject> {
  return toSchedule(await apiClient().retrieveSchedule(scheduleId));
}

/** One page of schedules, newest first (`page` from 1, `perPage` at most 100); `for await` walks the following pages too. */
async function list(options: { page?: number; perPage?: number } = {}): Promise<SchedulesPage> {
  const client = apiClient();
  const { perPage } = options;
  return offsetPage('schedules.list', (page) => client.listSchedules({ page, ...(perPage !== undefined ? { perPage } : {}) }), toSchedule, options.page ?? 1);
}

async function update(scheduleId: string, options: UpdateScheduleOptions): Promise<ScheduleObject> {
  return toSchedule(await apiClient().updateSchedule(scheduleId, options));
}

async function del(scheduleId: string): Promise<{ id: string }> {
  return apiClient().deleteSchedule(scheduleId);
}

async function activate(scheduleId: string): Promise<ScheduleObject> {
  return toSchedule(await apiClient().activateSchedule(scheduleId));
}

async function deactivate(scheduleId: string): Promise<ScheduleObject> {
  return toSchedule(await apiClient().deactivateSchedule(scheduleId));
}

/** The IANA time zones schedules accept, "UTC" first unless `excludeUtc`. */
async function timezones(options: { excludeUtc?: boolean } = {}): Promise<{ timezones: string[] }> {
  return { timezones: await apiClient().timezones(options) };
}

export const schedulesApi = { create, retrieve, list, update, del, activate, deactivate, timezones };
