import type { RunSchedule } from '../../protocol/run';
import type { ScheduledRunPayload } from '../../protocol/schedules';
import type { ScheduleRecord } from '../store/types';
import { describeCron, nextTicks, UPCOMING_COUNT } from './cron';

/**
 * The payload of the run for tick `tickAt` of `s` whose next tick is `next` (Trigger.dev's): the tick, the last
 * tick that fired, the time zone, the external id and the next 10 ticks.
 */
export function tickPayload(s: ScheduleRecord, tickAt: number, next: number): ScheduledRunPayload {
  const upcoming = [next, ...nextTicks(s.cron, s.timezone, next, UPCOMING_COUNT - 1)];
  return {
    scheduleId: s.id,
    type: s.type,
    timestamp: new Date(tickAt).toISOString(),
    ...(s.lastTickAt !== undefined ? { lastTimestamp: new Date(s.lastTickAt).toISOString() } : {}),
    ...(s.externalId !== undefined ? { externalId: s.externalId } : {}),
    timezone: s.timezone,
    upcoming: upcoming.map((t) => new Date(t).toISOString()),
  };
}

/** What a run shows of the schedule that triggered it (Trigger.dev's `RunScheduleDetails`). */
export function runScheduleOf(s: ScheduleRecord): RunSchedule {
  return {
    id: s.id,
    ...(s.externalId !== undefined ? { externalId: s.externalId } : {}),
    ...(s.userDeduplicationKey ? { deduplicationKey: s.deduplicationKey } : {}),
    generator: { type: 'CRON', expression: s.cron, description: describeCron(s.cron) },
  };
}
