import * as z from 'zod/mini';
import './zod-locale';
import { TaskId } from './api';
import { ScheduleGenerator, ScheduleType } from './run';
import { canonicalTimezone } from '../shared/timezones';

/**
 * Schedules on Trigger.dev's paths and shapes (`/api/v1/schedules`, `/api/v1/timezones`): a cron expression (five
 * fields) in an IANA time zone that triggers a run of a scheduled task at every tick. DECLARATIVE ones come from
 * `schedules.task({ cron })` in a task file; IMPERATIVE ones from `schedules.create`. Whether `cron` parses is checked
 * by the engine (the cron library lives there); everything else here.
 */

const Timezone = z
  .string()
  .check(z.refine((tz) => canonicalTimezone(tz) !== undefined, 'not a known IANA time zone (e.g. "America/New_York"); see GET /api/v1/timezones'));

/** Trigger.dev's `window` (a stable delay within a window) is not implemented: refused with a clear message, not ignored. */
const Window = z.optional(
  z.unknown().check(z.refine(() => false, 'schedule windows are not supported by Runlight; leave "window" out (every tick fires at its cron time)')),
);

const Cron = z.string().check(z.minLength(1, 'a cron expression is required, e.g. "0 * * * *"'), z.maxLength(256));
const ExternalId = z.string().check(z.maxLength(512));

/** `POST /api/v1/schedules` (`schedules.create`): a schedule with an existing `deduplicationKey` is updated instead. */
export const CreateScheduleRequest = z.object({
  task: TaskId,
  cron: Cron,
  deduplicationKey: z.optional(z.string().check(z.minLength(1, 'deduplicationKey must not be empty'), z.maxLength(512))),
  externalId: z.optional(ExternalId),
  timezone: z.optional(Timezone),
  window: Window,
});
export type CreateScheduleRequest = z.infer<typeof CreateScheduleRequest>;

/** `PUT /api/v1/schedules/:id` (`schedules.update`): the same without the deduplicationKey. */
export const UpdateScheduleRequest = z.object({
  task: TaskId,
  cron: Cron,
  externalId: z.optional(ExternalId),
  timezone: z.optional(Timezone),
  window: Window,
});
export type UpdateScheduleRequest = z.infer<typeof UpdateScheduleRequest>;

/** A schedule as every route answers it (Trigger.dev's `ScheduleObject`; times as ISO strings), plus `lastRun`. */
export const ScheduleObject = z.object({
  id: z.string(),
  type: ScheduleType,
  task: z.string(),
  active: z.boolean(),
  deduplicationKey: z.nullish(z.string()),
  externalId: z.nullish(z.string()),
  generator: ScheduleGenerator,
  timezone: z.string(),
  /** The next tick (absent while inactive). */
  nextRun: z.nullish(z.string()),
  /** Runlight's addition: the last tick that triggered a run. */
  lastRun: z.nullish(z.string()),
  environments: z.array(z.object({ id: z.string(), type: z.string(), userName: z.nullish(z.string()) })),
});
export type ScheduleObject = z.infer<typeof ScheduleObject>;

/** `GET /api/v1/schedules?page=&perPage=`: Trigger.dev pages schedules by number, not by cursor. */
export const ListSchedulesResponse = z.object({
  data: z.array(ScheduleObject),
  pagination: z.object({ currentPage: z.number(), totalPages: z.number(), count: z.number() }),
});
export type ListSchedulesResponse = z.infer<typeof ListSchedulesResponse>;

/** A positive integer query parameter (`page`, `perPage`), as text. */
const PositiveIntText = (name: string, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/, `${name} must be a positive integer`)),
    z.transform(Number).check(z.minimum(1, `${name} must be at least 1`), z.maximum(max, `${name} must be at most ${max}`)),
  );

/** The query of the list (absent: page 1, 10 per page, as Trigger.dev). */
export const ListSchedulesQuery = z.object({
  page: z.optional(PositiveIntText('page', 1_000_000)),
  perPage: z.optional(PositiveIntText('perPage', 100)),
});

export const DeletedScheduleResponse = z.object({ id: z.string() });
export const TimezonesResponse = z.object({ timezones: z.array(z.string()) });

/** What a run triggered by a schedule gets as its payload (dates as ISO strings; the SDK gives them to `run` as Dates). */
export const ScheduledRunPayload = z.object({
  scheduleId: z.string(),
  type: ScheduleType,
  timestamp: z.string(),
  lastTimestamp: z.optional(z.string()),
  externalId: z.optional(z.string()),
  timezone: z.string(),
  upcoming: z.array(z.string()),
});
export type ScheduledRunPayload = z.infer<typeof ScheduledRunPayload>;
