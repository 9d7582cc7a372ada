import assert from 'node:assert/strict';
import { configure, schedules } from '@trigger.dev/sdk';
import { startSdkEngine, TR_SECRET, type SdkEngine } from './support';
import { SCHEDULE_TASKS } from '../schedules/fixtures';
import { waitFor } from '../../../support/engine';

/** The official `@trigger.dev/sdk`'s `schedules` API against the engine: its requests, our answers, its parsing. */
describe('trigger-sdk: the official schedules API against the engine', function () {
  this.timeout(90_000);
  let e: SdkEngine;

  before(async () => {
    e = await startSdkEngine(SCHEDULE_TASKS);
    await waitFor(async () => ((await e.client.listSchedules()).data.length >= 2 ? true : undefined), 30_000, 'declarative schedules');
  });
  beforeEach(() => configure({ baseURL: e.url, accessToken: TR_SECRET }));
  after(async () => e?.close());

  it('creates (and dedupes), retrieves, updates, pages, deactivates, activates and deletes', async () => {
    const created = await schedules.create({ task: 'reminder', cron: '0 8 * * *', timezone: 'Europe/Paris', externalId: 'u1', deduplicationKey: 'u1-daily' });
    assert.equal(created.type, 'IMPERATIVE');
    assert.ok(created.nextRun instanceof Date);
    assert.equal(created.generator.description, 'At 08:00 AM');
    const again = await schedules.create({ task: 'reminder', cron: '0 9 * * *', deduplicationKey: 'u1-daily' });
    assert.equal(again.id, created.id);
    assert.equal((await schedules.retrieve(created.id)).generator.expression, '0 9 * * *');
    const updated = await schedules.update(created.id, { task: 'reminder', cron: '15 9 * * *', timezone: 'Asia/Tokyo' });
    assert.deepEqual([updated.generator.expression, updated.timezone], ['15 9 * * *', 'Asia/Tokyo']);

    const page = await schedules.list({ perPage: 2 });
    assert.deepEqual(page.pagination, { currentPage: 1, totalPages: 2, count: 3 });
    const all: string[] = [];
    for await (const s of schedules.list({ perPage: 2 })) all.push(s.id);
    assert.equal(all.length, 3);
    assert.ok(all.includes(created.id));

    assert.equal((await schedules.deactivate(created.id)).active, false);
    assert.equal((await schedules.activate(created.id)).active, true);
    assert.deepEqual(await schedules.del(created.id), { id: created.id });
    await assert.rejects(schedules.retrieve(created.id), (err: Error & { status?: number }) => err.status === 404);
  });

  it('refuses a bad cron with the message naming the field', async () => {
    await assert.rejects(
      schedules.create({ task: 'reminder', cron: '0 25 * * *', deduplicationKey: 'bad' }),
      (err: Error & { status?: number }) => err.status === 422 && /cron: "0 25 \* \* \*" is not a valid cron expression/.test(err.message),
    );
  });

  it('lists the time zones', async () => {
    const { timezones } = await schedules.timezones();
    assert.equal(timezones[0], 'UTC');
    assert.ok(timezones.includes('Europe/Paris'));
  });
});
