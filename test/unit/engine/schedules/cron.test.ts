import assert from 'node:assert/strict';
import { checkCron, checkTimezone, cronProblem, describeCron, nextTick, nextTicks, previousTick } from '../../../../src/engine/schedules/cron';
import { EngineError } from '../../../../src/engine/errors';
import { canonicalTimezone, supportedTimezones } from '../../../../src/shared/timezones';

const at = (s: string): number => Date.parse(s);
const isoAll = (ms: number[]): string[] => ms.map((t) => new Date(t).toISOString());

describe('schedules: cron ticks', () => {
  it('counts the next tick strictly after a time, in UTC by default', () => {
    assert.equal(new Date(nextTick('* * * * *', 'UTC', at('2030-01-01T00:00:00.000Z'))).toISOString(), '2030-01-01T00:01:00.000Z');
    assert.equal(new Date(nextTick('* * * * *', 'UTC', at('2030-01-01T00:00:00.001Z'))).toISOString(), '2030-01-01T00:01:00.000Z');
    assert.equal(new Date(nextTick('0 */2 * * *', 'UTC', at('2030-01-01T01:59:59Z'))).toISOString(), '2030-01-01T02:00:00.000Z');
    assert.equal(new Date(previousTick('0 */2 * * *', 'UTC', at('2030-01-01T01:59:59Z'))).toISOString(), '2030-01-01T00:00:00.000Z');
    assert.deepEqual(isoAll(nextTicks('30 9 * * 1-5', 'UTC', at('2030-01-04T10:00:00Z'), 3)), [
      '2030-01-07T09:30:00.000Z', // Friday 4th is past 09:30: Monday, Tuesday, Wednesday
      '2030-01-08T09:30:00.000Z',
      '2030-01-09T09:30:00.000Z',
    ]);
  });

  it('reads the cron in its time zone', () => {
    // 05:00 in Tokyo (UTC+9) is 20:00 UTC the day before.
    assert.equal(new Date(nextTick('0 5 * * *', 'Asia/Tokyo', at('2030-06-01T00:00:00Z'))).toISOString(), '2030-06-01T20:00:00.000Z');
    // 08:00 in New York: 13:00 UTC in winter (EST), 12:00 UTC in summer (EDT).
    assert.equal(new Date(nextTick('0 8 * * *', 'America/New_York', at('2030-01-15T00:00:00Z'))).toISOString(), '2030-01-15T13:00:00.000Z');
    assert.equal(new Date(nextTick('0 8 * * *', 'America/New_York', at('2030-07-15T00:00:00Z'))).toISOString(), '2030-07-15T12:00:00.000Z');
  });

  it('follows daylight saving: the same wall-clock time across the change, a skipped hour, a repeated hour', () => {
    // Europe/London springs forward on 2030-03-31 (01:00 GMT → 02:00 BST): 09:00 local moves from 09:00Z to 08:00Z.
    assert.deepEqual(isoAll(nextTicks('0 9 * * *', 'Europe/London', at('2030-03-29T12:00:00Z'), 3)), [
      '2030-03-30T09:00:00.000Z',
      '2030-03-31T08:00:00.000Z',
      '2030-04-01T08:00:00.000Z',
    ]);
    // New York, 2030-03-10: 02:30 does not exist that day (02:00 EST → 03:00 EDT). The tick is not lost: it fires
    // once, in the first hour after the gap, and the day after at 02:30 EDT again.
    const spring = isoAll(nextTicks('30 2 * * *', 'America/New_York', at('2030-03-09T12:00:00Z'), 2));
    assert.deepEqual(spring, ['2030-03-10T07:30:00.000Z', '2030-03-11T06:30:00.000Z']);
    // New York, 2030-11-03: 01:30 happens twice (EDT, then EST); a daily 01:30 still fires once that day.
    const fall = nextTicks('30 1 * * *', 'America/New_York', at('2030-11-02T12:00:00Z'), 3);
    const nov3 = fall.filter((t) => new Date(t).toISOString().startsWith('2030-11-03'));
    assert.equal(nov3.length, 1);
    assert.equal(isoAll(fall)[2], '2030-11-05T06:30:00.000Z');
  });

  it('checks cron expressions with a message naming the field', () => {
    assert.equal(cronProblem('*/5 * * * *'), undefined);
    assert.equal(cronProblem('@daily'), undefined);
    assert.match(cronProblem('* * * * * *')!, /seconds are not supported/);
    assert.match(cronProblem('@secondly')!, /minute granularity/);
    assert.match(cronProblem('* * *')!, /has 3 field\(s\)/);
    assert.match(cronProblem('61 * * * *')!, /not a valid cron expression: .*61/);
    assert.match(cronProblem('')!, /required/);
    assert.throws(
      () => checkCron('nope', 'cron'),
      (e: unknown) => e instanceof EngineError && e.code === 'invalid_request' && e.message.startsWith('cron: '),
    );
    assert.equal(checkCron('  0 * * * * '), '0 * * * *');
  });

  it('checks time zones and gives their canonical IANA name; UTC by default', () => {
    assert.equal(checkTimezone(undefined), 'UTC');
    assert.equal(checkTimezone('utc'), 'UTC');
    assert.equal(checkTimezone('europe/paris'), 'Europe/Paris');
    assert.throws(
      () => checkTimezone('Mars/Olympus', 'cron.timezone'),
      (e: unknown) => e instanceof EngineError && e.message.startsWith('cron.timezone: "Mars/Olympus" is not a known IANA time zone'),
    );
    assert.equal(canonicalTimezone(''), undefined);
    const zones = supportedTimezones();
    assert.equal(zones[0], 'UTC');
    assert.equal(zones.filter((z) => z === 'UTC').length, 1);
    assert.ok(!supportedTimezones(true).includes('UTC'));
  });

  it('describes a cron in English as Trigger.dev does (cronstrue)', () => {
    assert.equal(describeCron('* * * * *'), 'Every minute');
    assert.equal(describeCron('0 5 * * *'), 'At 05:00 AM');
  });
});
