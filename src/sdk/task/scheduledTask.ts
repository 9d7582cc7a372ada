/**
 * Trigger.dev's `schedules.task`: a task triggered by schedules. With `cron` it declares its own schedule (DECLARATIVE),
 * which the engine registers when it indexes the file and updates or removes when the file changes; without, it runs
 * on the schedules `schedules.create` attaches (IMPERATIVE). Either way it can also be triggered by hand.
 */
import { task, type Task, type TaskOptions } from './task';
import { taskDefinitionOf } from './registry';
import type { TaskInitOutput } from './hooks';

/** What a run of a scheduled task gets (Trigger.dev's `ScheduledTaskPayload`); dates are Dates. */
export interface ScheduledTaskPayload {
  /** The schedule that fired (a task can have many). */
  scheduleId: string;
  type: 'DECLARATIVE' | 'IMPERATIVE';
  /** The tick this run is for (UTC). */
  timestamp: Date;
  /** The tick before it that triggered a run; undefined on the first. */
  lastTimestamp?: Date;
  externalId?: string;
  /** The schedule's IANA time zone ("UTC" by default). */
  timezone: string;
  /** The next 10 ticks. */
  upcoming: Date[];
}

export interface CronOptions {
  pattern: string;
  /** IANA time zone the pattern is read in (default "UTC"), daylight saving included. */
  timezone?: string;
  /** Trigger.dev environments to register the schedule in; Runlight is DEVELOPMENT, so a list without it registers none. */
  environments?: string[];
  /** Not supported by Runlight: ticks fire at their cron time (a warning says so). */
  window?: string;
}

export interface ScheduledTaskOptions<TId extends string, TOutput, TInit extends TaskInitOutput = TaskInitOutput> extends TaskOptions<
  TId,
  ScheduledTaskPayload,
  TOutput,
  TInit
> {
  /** A five-field cron expression ("0 * * * *"), or `{ pattern, timezone }`: the task's declarative schedule. */
  cron?: string | CronOptions;
}

const asDate = (v: unknown): unknown => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : v);

/** A schedule payload as JSON carries it (ISO strings) → with Dates; anything else (a hand-made payload) unchanged. */
export function scheduledPayload(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  const p = { ...(payload as Record<string, unknown>) };
  if ('timestamp' in p) p['timestamp'] = asDate(p['timestamp']);
  if ('lastTimestamp' in p) p['lastTimestamp'] = asDate(p['lastTimestamp']);
  if (Array.isArray(p['upcoming'])) p['upcoming'] = p['upcoming'].map(asDate);
  return p;
}

function cronOf(id: string, cron: ScheduledTaskOptions<string, unknown>['cron']): { schedule?: { cron: string; timezone: string }; warnings: string[] } {
  if (cron === undefined) return { warnings: [] };
  const where = `schedules.task "${id}"`;
  if (typeof cron === 'string') return { schedule: { cron, timezone: 'UTC' }, warnings: [] };
  if (typeof cron !== 'object' || cron === null || typeof cron.pattern !== 'string') {
    throw new TypeError(`${where}: cron must be a cron expression string or { pattern, timezone }`);
  }
  if (cron.timezone !== undefined && typeof cron.timezone !== 'string')
    throw new TypeError(`${where}: cron.timezone must be a string such as "America/New_York"`);
  const warnings = cron.window !== undefined ? [`task "${id}": cron.window is not supported by Runlight; ticks fire at their cron time`] : [];
  if (cron.environments !== undefined && !cron.environments.map((e) => String(e).toUpperCase()).includes('DEVELOPMENT')) {
    // As Trigger.dev's dev environment: the schedule is for other environments only.
    return { warnings };
  }
  return { schedule: { cron: cron.pattern, timezone: cron.timezone ?? 'UTC' }, warnings };
}

/** Defines a scheduled task (Trigger.dev's `schedules.task`). Export it from a file under `trigger/`. */
export function scheduledTask<TId extends string, TOutput = unknown, TInit extends TaskInitOutput = TaskInitOutput>(
  options: ScheduledTaskOptions<TId, TOutput, TInit>,
): Task<TId, ScheduledTaskPayload, TOutput> {
  const { cron, ...rest } = options;
  const { schedule, warnings } = cronOf(String(options.id), cron);
  const handle = task<TId, ScheduledTaskPayload, TOutput, TInit>(rest);
  const def = taskDefinitionOf(handle);
  if (def) {
    def.triggerSource = 'schedule';
    if (schedule) def.schedule = schedule;
    if (warnings.length) def.warnings = warnings;
    def.parsePayload = async (payload) => scheduledPayload(payload);
  }
  return handle;
}
