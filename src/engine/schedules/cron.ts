import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';
import { EngineError } from '../errors';
import { canonicalTimezone } from '../../shared/timezones';

/**
 * Cron expressions as Trigger.dev takes them: five fields (minute granularity, no seconds), evaluated in an IANA
 * time zone (default UTC) with its daylight-saving rules, by cron-parser (the library Trigger.dev's scheduler uses).
 */

/** How many upcoming times a scheduled run's payload lists (Trigger.dev: the next tick and 9 after it). */
export const UPCOMING_COUNT = 10;

/** Why `cron` is not a valid five-field expression, or undefined when it is. */
export function cronProblem(cron: string): string | undefined {
  const text = cron.trim();
  if (text === '') return 'a cron expression is required, e.g. "0 * * * *"';
  const fields = text.split(/\s+/);
  if (fields.length > 5) return `"${cron}" has ${fields.length} fields; use five (minute hour day-of-month month day-of-week), seconds are not supported`;
  if (text === '@secondly') return '"@secondly" fires every second; schedules have minute granularity';
  if (fields.length < 5 && !text.startsWith('@')) return `"${cron}" has ${fields.length} field(s); use five (minute hour day-of-month month day-of-week)`;
  try {
    CronExpressionParser.parse(text, { tz: 'UTC' }).next();
  } catch (e) {
    return `"${cron}" is not a valid cron expression: ${e instanceof Error ? e.message : String(e)}`;
  }
  return undefined;
}

/** Throws `invalid_request` naming `field` when `cron` is not valid. */
export function checkCron(cron: string, field = 'cron'): string {
  const problem = cronProblem(cron);
  if (problem) throw new EngineError('invalid_request', `${field}: ${problem}`);
  return cron.trim();
}

/** The canonical IANA name of `timezone` (default UTC); throws `invalid_request` naming `field` when unknown. */
export function checkTimezone(timezone: string | undefined, field = 'timezone'): string {
  if (timezone === undefined) return 'UTC';
  const tz = canonicalTimezone(timezone);
  if (!tz)
    throw new EngineError('invalid_request', `${field}: "${timezone}" is not a known IANA time zone (e.g. "America/New_York"); see GET /api/v1/timezones`);
  return tz;
}

/** The first time after `after` (epoch ms) that `cron` matches in `timezone`. */
export function nextTick(cron: string, timezone: string, after: number): number {
  return CronExpressionParser.parse(cron, { currentDate: new Date(after), tz: timezone })
    .next()
    .getTime();
}

/** The last time before `before` (epoch ms) that `cron` matched in `timezone`. */
export function previousTick(cron: string, timezone: string, before: number): number {
  return CronExpressionParser.parse(cron, { currentDate: new Date(before), tz: timezone })
    .prev()
    .getTime();
}

/** The `count` times after `after` (epoch ms) that `cron` matches, in order. */
export function nextTicks(cron: string, timezone: string, after: number, count: number): number[] {
  const expr = CronExpressionParser.parse(cron, { currentDate: new Date(after), tz: timezone });
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(expr.next().getTime());
  return out;
}

/** The English description Trigger.dev returns as `generator.description` ("Every minute", "At 05:00 AM"). */
export function describeCron(cron: string): string {
  try {
    return cronstrue.toString(cron);
  } catch {
    return cron;
  }
}
