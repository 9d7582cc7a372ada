import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEngine, type RunningEngine } from '../../../../src/engine';
import { EngineClient, EngineApiError } from '../../../../src/client';
import type { Run } from '../../../../src/protocol/run';
import type { ScheduleObject } from '../../../../src/protocol/schedules';
import { followRun, makeWorkspace, waitFor } from '../../../support/engine';
import { SCHEDULE_TASKS } from './fixtures';
import { configure, schedules } from '../../../../src/sdk';

const KEY = 'rl_dev_scheduletestkey0123456789ab';
const MINUTE = 60_000;

/** A schedules clock the test moves: real time plus `offset`. */
class TestClock {
  offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  /** Moves the clock to `at` (epoch ms), plus `extra`. */
  jumpTo(at: number, extra = 50): void {
    this.offset = at + extra - Date.now();
  }
}

async function start(dir: string, clock: TestClock): Promise<{ engine: RunningEngine; client: EngineClient; lines: string[] }> {
  const lines: string[] = [];
  const engine = await startEngine({ dir, port: 0, workers: 1, secretKey: KEY, log: (l) => lines.push(l), schedules: { pollMs: 40, now: clock.now } });
  const client = new EngineClient({ baseURL: engine.url, accessToken: KEY });
  return { engine, client, lines };
}

async function errorOf(p: Promise<unknown>): Promise<EngineApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EngineApiError) return e;
    throw e;
  }
  throw new Error('expected the engine to refuse');
}

async function runsOf(client: EngineClient, task: string): Promise<Run[]> {
  return (await client.listRuns({ taskIdentifier: task, pageSize: 100 })).data;
}

async function declarative(client: EngineClient, task: string): Promise<ScheduleObject | undefined> {
  const { data } = await client.listSchedules({ perPage: 100 });
  return data.find((s) => s.type === 'DECLARATIVE' && s.task === task);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine: schedules', function () {
  this.timeout(90_000);
  const clock = new TestClock();
  let dir: string;
  let engine: RunningEngine;
  let client: EngineClient;

  before(async () => {
    dir = await makeWorkspace(SCHEDULE_TASKS);
    ({ engine, client } = await start(dir, clock));
    await waitFor(async () => ((await client.listTasks()).tasks.length >= 5 ? true : undefined), 60_000, 'tasks');
  });
  after(async () => engine?.close());

  it('indexes schedules.task beside plain tasks and registers each declarative schedule once', async () => {
    const { tasks, errors } = await client.listTasks();
    assert.deepEqual(errors, []);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    assert.deepEqual(byId.get('every-minute')?.schedule, { cron: '* * * * *', timezone: 'UTC' });
    assert.equal(byId.get('reminder')?.triggerSource, 'schedule');
    assert.equal(byId.get('reminder')?.schedule, undefined);
    assert.equal(byId.get('plain')?.triggerSource, undefined);
    const { data, pagination } = await client.listSchedules({ perPage: 100 });
    // prod-only declares environments without DEVELOPMENT: as Trigger.dev's dev environment, no schedule here.
    assert.deepEqual(data.map((s) => s.task).sort(), ['every-minute', 'tokyo-5am']);
    assert.deepEqual(pagination, { currentPage: 1, totalPages: 1, count: 2 });
    const tokyo = data.find((s) => s.task === 'tokyo-5am')!;
    assert.equal(tokyo.type, 'DECLARATIVE');
    assert.equal(tokyo.timezone, 'Asia/Tokyo');
    assert.deepEqual(tokyo.generator, { type: 'CRON', expression: '0 5 * * *', description: 'At 05:00 AM' });
    assert.equal(tokyo.deduplicationKey, null);
    // 05:00 in Tokyo (UTC+9, no daylight saving) is 20:00 UTC.
    assert.match(tokyo.nextRun ?? '', /T20:00:00\.000Z$/);
    assert.ok(Date.parse(tokyo.nextRun!) > clock.now());
  });

  it('fires a declarative tick once, with the Trigger.dev payload (Dates in run), then the next with lastTimestamp', async () => {
    const s = (await declarative(client, 'every-minute'))!;
    const tick = Date.parse(s.nextRun!);
    assert.equal(tick % MINUTE, 0);
    clock.jumpTo(tick);
    const [run] = await waitFor(async () => {
      const r = await runsOf(client, 'every-minute');
      return r.length ? r : undefined;
    });
    const final = (await followRun(client, run!.id)).at(-1)!;
    assert.equal(final.status, 'COMPLETED');
    const upcoming = Array.from({ length: 10 }, (_, i) => new Date(tick + (i + 1) * MINUTE).toISOString());
    assert.deepEqual(final.output, {
      scheduleId: s.id,
      type: 'DECLARATIVE',
      timestamp: new Date(tick).toISOString(),
      lastTimestamp: null,
      timezone: 'UTC',
      externalId: null,
      upcoming,
    });
    assert.deepEqual(final.schedule, { id: s.id, generator: { type: 'CRON', expression: '* * * * *', description: 'Every minute' } });
    // Polls go on (every 40 ms): the tick is not fired again.
    await sleep(400);
    assert.equal((await runsOf(client, 'every-minute')).length, 1);
    const after = (await client.retrieveSchedule(s.id))!;
    assert.deepEqual([after.lastRun, after.nextRun], [new Date(tick).toISOString(), new Date(tick + MINUTE).toISOString()]);

    clock.jumpTo(tick + MINUTE);
    const second = await waitFor(async () => (await runsOf(client, 'every-minute')).find((r) => r.id !== run!.id));
    const out = (await followRun(client, second.id)).at(-1)!.output as { timestamp: string; lastTimestamp: string };
    assert.deepEqual([out.timestamp, out.lastTimestamp], [new Date(tick + MINUTE).toISOString(), new Date(tick).toISOString()]);
  });

  it('refuses bad input naming the field: cron, time zone, task, a task that is not scheduled, window', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ task: 'reminder', cron: '61 * * * *' }, /^cron: "61 \* \* \* \*" is not a valid cron expression/],
      [{ task: 'reminder', cron: '* * * * * *' }, /^cron: .*seconds are not supported/],
      [{ task: 'reminder', cron: '' }, /^body\.cron: a cron expression is required/],
      [{ task: 'reminder', cron: '0 * * * *', timezone: 'Mars/Olympus' }, /^body\.timezone: not a known IANA time zone/],
      [{ task: 'nope', cron: '0 * * * *' }, /^task: there is no task "nope"/],
      [{ task: 'plain', cron: '0 * * * *' }, /^task: "plain" is not a scheduled task/],
      [{ task: 'reminder', cron: '0 * * * *', window: '30m' }, /^body\.window: schedule windows are not supported/],
      [{ cron: '0 * * * *' }, /^body\.task: /],
    ];
    for (const [body, message] of cases) {
      const e = await errorOf(client.createSchedule(body as never));
      assert.equal(e.status, 422, JSON.stringify(body));
      assert.equal(e.code, 'invalid_request');
      assert.match(e.message, message);
    }
    const page = await fetch(`${engine.url}/api/v1/schedules?perPage=500`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(page.status, 422);
    assert.match(((await page.json()) as { error: { message: string } }).error.message, /perPage must be at most 100/);
    const anonymous = await fetch(`${engine.url}/api/v1/schedules`);
    assert.equal(anonymous.status, 401);
    const missing = await errorOf(client.retrieveSchedule('sched_none'));
    assert.deepEqual([missing.status, missing.code], [404, 'schedule_not_found']);
  });

  it('creates, dedupes, pages, updates, deactivates, activates and deletes imperative schedules', async () => {
    const a = await client.createSchedule({
      task: 'reminder',
      cron: '0 8 * * *',
      timezone: 'america/new_york',
      externalId: 'user_1',
      deduplicationKey: 'user_1-daily',
    });
    assert.deepEqual(
      { ...a, nextRun: undefined },
      {
        id: a.id,
        type: 'IMPERATIVE',
        task: 'reminder',
        active: true,
        deduplicationKey: 'user_1-daily',
        externalId: 'user_1',
        generator: { type: 'CRON', expression: '0 8 * * *', description: 'At 08:00 AM' },
        timezone: 'America/New_York',
        nextRun: undefined,
        lastRun: null,
        environments: [{ id: 'dev', type: 'DEVELOPMENT' }],
      },
    );
    // 08:00 in New York is 12:00 or 13:00 UTC depending on daylight saving.
    assert.match(a.nextRun ?? '', /T1[23]:00:00\.000Z$/);
    const again = await client.createSchedule({ task: 'reminder', cron: '30 9 * * 1-5', deduplicationKey: 'user_1-daily', externalId: 'user_1' });
    assert.equal(again.id, a.id);
    assert.deepEqual([again.generator.expression, again.timezone], ['30 9 * * 1-5', 'UTC']);
    const b = await client.createSchedule({ task: 'reminder', cron: '*/15 * * * *' });
    assert.equal(b.deduplicationKey, null);
    assert.notEqual(b.id, a.id);

    const p1 = await client.listSchedules({ perPage: 1 });
    assert.deepEqual([p1.data[0]?.id, p1.pagination], [b.id, { currentPage: 1, totalPages: 4, count: 4 }]);
    const p2 = await client.listSchedules({ page: 2, perPage: 1 });
    assert.equal(p2.data[0]?.id, a.id);

    const updated = await client.updateSchedule(b.id, { task: 'reminder', cron: '0 0 1 * *', timezone: 'Europe/London', externalId: 'x' });
    assert.deepEqual([updated.generator.expression, updated.timezone, updated.externalId], ['0 0 1 * *', 'Europe/London', 'x']);
    const badUpdate = await errorOf(client.updateSchedule(b.id, { task: 'reminder', cron: 'every day' }));
    assert.match(badUpdate.message, /^cron: /);

    const off = await client.deactivateSchedule(b.id);
    assert.deepEqual([off.active, off.nextRun], [false, null]);
    const on = await client.activateSchedule(b.id);
    assert.equal(on.active, true);
    assert.ok(Date.parse(on.nextRun!) > clock.now());

    const decl = (await declarative(client, 'tokyo-5am'))!;
    const refused = await errorOf(client.deleteSchedule(decl.id));
    assert.match(refused.message, /is DECLARATIVE .*: delete it by changing the task's cron in its file/);
    assert.equal((await client.deactivateSchedule(decl.id)).active, false);
    assert.equal((await client.activateSchedule(decl.id)).active, true);

    assert.deepEqual(await client.deleteSchedule(b.id), { id: b.id });
    assert.equal((await errorOf(client.retrieveSchedule(b.id))).status, 404);
    assert.equal((await errorOf(client.deleteSchedule(b.id))).status, 404);
  });

  it('fires an imperative schedule with its externalId; a deactivated schedule does not fire', async () => {
    const s = await client.createSchedule({ task: 'reminder', cron: '*/5 * * * *', externalId: 'user_42', deduplicationKey: 'fire-test' });
    const off = await client.createSchedule({ task: 'reminder', cron: '*/5 * * * *', externalId: 'user_off', deduplicationKey: 'off-test' });
    await client.deactivateSchedule(off.id);
    const tick = Date.parse(s.nextRun!);
    clock.jumpTo(tick);
    // filter[schedule], as Trigger.dev's runs.list({ schedule }).
    const ofSchedule = async (id: string) => (await client.listRuns({ schedule: id })).data;
    const run = await waitFor(async () => (await ofSchedule(s.id))[0]);
    const out = (await followRun(client, run.id)).at(-1)!.output as { scheduleId: string; type: string; externalId: string; timestamp: string };
    assert.deepEqual([out.scheduleId, out.type, out.externalId, out.timestamp], [s.id, 'IMPERATIVE', 'user_42', new Date(tick).toISOString()]);
    await sleep(300);
    assert.equal((await ofSchedule(s.id)).length, 1, 'one run for the tick');
    assert.deepEqual(await ofSchedule(off.id), [], 'the deactivated schedule did not fire');
    assert.equal(run.schedule?.id, s.id);
  });

  it('"Run Now" triggers the task with a schedule payload and leaves the schedule alone', async () => {
    const s = await client.createSchedule({ task: 'reminder', cron: '0 3 * * *', externalId: 'now', deduplicationKey: 'run-now' });
    const { id } = await client.runSchedule(s.id);
    const final = (await followRun(client, id)).at(-1)!;
    const out = final.output as { scheduleId: string; externalId: string; upcoming: string[]; timestamp: string };
    assert.deepEqual([out.scheduleId, out.externalId, out.upcoming.length, out.upcoming[0]], [s.id, 'now', 10, s.nextRun]);
    assert.ok(!out.timestamp.startsWith('not a Date'));
    assert.equal(final.schedule?.id, s.id);
    assert.deepEqual(await client.retrieveSchedule(s.id), s);
  });

  it('our SDK: schedules.* with Dates, numbered pages walked by for await, errors naming the field', async () => {
    configure({ baseURL: engine.url, accessToken: KEY });
    try {
      const s = await schedules.create({ task: 'reminder', cron: '0 12 * * *', timezone: 'Asia/Kolkata', deduplicationKey: 'sdk' });
      assert.ok(s.nextRun instanceof Date);
      // 12:00 in Kolkata (UTC+05:30) is 06:30 UTC.
      assert.equal(s.nextRun.toISOString().slice(11), '06:30:00.000Z');
      assert.equal((await schedules.retrieve(s.id)).timezone, 'Asia/Kolkata');
      const first = await schedules.list({ perPage: 2 });
      const total = first.pagination.count;
      assert.ok(total > 2 && first.hasNextPage() && !first.hasPreviousPage());
      const seen: string[] = [];
      for await (const x of first) seen.push(x.id);
      assert.equal(new Set(seen).size, total);
      assert.equal((await schedules.deactivate(s.id)).nextRun, null);
      assert.deepEqual(await schedules.del(s.id), { id: s.id });
      await assert.rejects(schedules.create({ task: 'reminder', cron: '0 12 * * *', timezone: 'Nowhere/Land' }), /body\.timezone: not a known IANA time zone/);
      assert.equal((await schedules.timezones()).timezones[0], 'UTC');
    } finally {
      configure({});
    }
  });

  it('lists time zones, UTC first, without a key (as Trigger.dev)', async () => {
    const res = await fetch(`${engine.url}/api/v1/timezones`);
    const { timezones } = (await res.json()) as { timezones: string[] };
    assert.equal(timezones[0], 'UTC');
    assert.ok(timezones.includes('America/New_York') && timezones.includes('Asia/Tokyo'));
    assert.ok(!(await client.timezones({ excludeUtc: true })).includes('UTC'));
  });

  it('follows the task file: a changed cron updates the declarative schedule, a removed one deletes it', async () => {
    const before = (await declarative(client, 'tokyo-5am'))!;
    const source = SCHEDULE_TASKS['trigger/scheduled.ts']!.replace('pattern: "0 5 * * *"', 'pattern: "0 6 * * *"').replace(
      /export const everyMinute = schedules\.task\(\{\s*id: "every-minute",\s*cron: "\* \* \* \* \*",/,
      'export const everyMinute = schedules.task({\n  id: "every-minute",',
    );
    assert.notEqual(source, SCHEDULE_TASKS['trigger/scheduled.ts']);
    await writeFile(join(dir, 'trigger/scheduled.ts'), source);
    const changed = await waitFor(
      async () => {
        const s = await declarative(client, 'tokyo-5am');
        return s?.generator.expression === '0 6 * * *' ? s : undefined;
      },
      30_000,
      'the changed cron',
    );
    assert.equal(changed.id, before.id);
    assert.match(changed.nextRun ?? '', /T21:00:00\.000Z$/);
    await waitFor(async () => ((await declarative(client, 'every-minute')) ? undefined : true), 30_000, 'the removed schedule');

    // A syntax error mid-edit: the file's tasks look gone, but their schedule stays (same id, state kept)...
    await client.deactivateSchedule(changed.id);
    const s = await client.createSchedule({ task: 'reminder', cron: '*/10 * * * *', deduplicationKey: 'while-broken' });
    await writeFile(join(dir, 'trigger/scheduled.ts'), source + '\nexport const = 1;\n');
    await waitFor(
      async () => ((await client.listTasks()).errors.some((e) => e.startsWith('trigger/scheduled.ts')) ? true : undefined),
      30_000,
      'the build error',
    );
    const kept = await client.retrieveSchedule(changed.id);
    assert.deepEqual([kept.active, kept.generator.expression], [false, '0 6 * * *']);
    // ...and ticks of a task that does not load pass without a run.
    const runsBefore = (await runsOf(client, 'reminder')).length;
    clock.jumpTo(Date.parse(s.nextRun!));
    await waitFor(async () => ((await client.retrieveSchedule(s.id)).nextRun !== s.nextRun ? true : undefined), 10_000, 'the tick to pass');
    assert.equal((await runsOf(client, 'reminder')).length, runsBefore);
    assert.equal((await client.retrieveSchedule(s.id)).lastRun, null);
    await writeFile(join(dir, 'trigger/scheduled.ts'), source);
    await waitFor(async () => ((await client.listTasks()).errors.length === 0 ? true : undefined), 30_000, 'the fixed file');
    assert.equal((await declarative(client, 'tokyo-5am'))?.id, changed.id);
  });

  it('reports a bad cron in a task file with the file problems; the task itself loads', async () => {
    const file = join(dir, 'trigger/bad-cron.ts');
    await writeFile(
      file,
      'import { schedules } from "@trigger.dev/sdk";\nexport const b = schedules.task({ id: "bad-cron", cron: "every day", run: async () => 1 });\n',
    );
    const problem = await waitFor(async () => (await client.listTasks()).errors.find((e) => e.startsWith('trigger/bad-cron.ts')), 30_000, 'the problem');
    assert.match(problem, /^trigger\/bad-cron\.ts: schedules\.task "bad-cron": cron: "every day" has 2 field\(s\)/);
    assert.ok((await client.listTasks()).tasks.some((t) => t.id === 'bad-cron'));
    assert.equal(await declarative(client, 'bad-cron'), undefined);
    await rm(file);
    await waitFor(async () => ((await client.listTasks()).errors.length === 0 ? true : undefined), 30_000, 'the problem to go');
  });
});

describe('engine: schedules across a restart', function () {
  this.timeout(90_000);

  it('keeps schedules; ticks missed while the engine was down are not backfilled', async () => {
    const clock = new TestClock();
    const dir = await makeWorkspace(SCHEDULE_TASKS);
    let { engine, client } = await start(dir, clock);
    let s: ScheduleObject;
    let imperative: ScheduleObject;
    try {
      s = await waitFor(() => declarative(client, 'every-minute'), 60_000, 'the declarative schedule');
      imperative = await client.createSchedule({ task: 'reminder', cron: '* * * * *', deduplicationKey: 'restart' });
    } finally {
      await engine.close();
    }
    // Down for five ticks.
    clock.jumpTo(Date.parse(s.nextRun!) + 4 * MINUTE, 30_000);
    const restarted = await start(dir, clock);
    ({ engine, client } = restarted);
    const lines = restarted.lines;
    try {
      await waitFor(async () => ((await client.listTasks()).tasks.length >= 5 ? true : undefined), 60_000, 'tasks');
      await sleep(500);
      assert.deepEqual(await runsOf(client, 'every-minute'), []);
      assert.deepEqual(await runsOf(client, 'reminder'), []);
      for (const before of [s, imperative]) {
        const after = await client.retrieveSchedule(before.id);
        assert.equal(after.lastRun, null);
        assert.equal(Date.parse(after.nextRun!), Math.ceil(clock.now() / MINUTE) * MINUTE, `${before.task}: the next tick is counted from now`);
      }
      assert.ok(lines.some((l) => /not backfilled/.test(l)));
    } finally {
      await engine.close();
    }
  });
});
