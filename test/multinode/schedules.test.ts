import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import type { Run } from '../../src/protocol';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../support/postgres';
import { sleep, startNode, waitForTasks, type EngineNode } from './support';

/**
 * Two engine nodes on one Postgres, both polling for due schedules every 10 ms: every tick triggers exactly one run,
 * and both nodes syncing the same task file make one declarative schedule.
 */

const SCHEDULES = 20;

const FILES: Record<string, string> = {
  'trigger/scheduled.ts': `
import { schedules } from "@trigger.dev/sdk";
export const yearly = schedules.task({ id: "mn-yearly", cron: "0 0 1 1 *", run: async (p) => p.scheduleId });
export const attached = schedules.task({ id: "mn-attached", run: async (p) => ({ id: p.scheduleId, node: process.env.RUNLIGHT_TEST_NODE }) });
`,
};

describe('multinode: schedules on two engine nodes sharing one Postgres', function () {
  this.timeout(240_000);
  let server: TestPostgres | undefined;
  const nodes: EngineNode[] = [];

  before(async function () {
    this.timeout(180_000);
    if (!process.env['RUNLIGHT_TEST_DATABASE_URL'] && !findPostgresBin()) {
      const msg = 'multi-node tests need Postgres: install the Debian `postgresql` package or set RUNLIGHT_TEST_DATABASE_URL';
      if (process.env['CI']) throw new Error(`${msg} (required when CI is set)`);
      process.stderr.write(`skipping: ${msg}\n`);
      this.skip();
    }
    server = await startTestPostgres();
  });

  after(async () => {
    for (const n of nodes.splice(0)) {
      await n.stop(5000).catch(() => undefined);
      await rm(n.dir, { recursive: true, force: true });
    }
    await server?.stop();
  });

  it('fires each due tick exactly once and registers one declarative schedule', async () => {
    const url = await server!.createDatabase();
    const env = { RUNLIGHT_SCHEDULE_POLL_MS: '10' };
    nodes.push(...(await Promise.all(['n1', 'n2'].map((name) => startNode(name, url, FILES, { workers: 2, env })))));
    const [a, b] = nodes as [EngineNode, EngineNode];
    await Promise.all([waitForTasks(a.client, ['mn-yearly', 'mn-attached']), waitForTasks(b.client, ['mn-yearly', 'mn-attached'])]);

    // Yearly crons: after the forced tick, the next one is months away, so any second run would be a duplicate.
    const created = await Promise.all(
      Array.from({ length: SCHEDULES }, (_, i) =>
        (i % 2 ? a : b).client.createSchedule({ task: 'mn-attached', cron: '0 0 1 1 *', deduplicationKey: `mn-${i}` }),
      ),
    );
    const declarative = (await a.client.listSchedules({ perPage: 100 })).data.filter((s) => s.type === 'DECLARATIVE');
    assert.deepEqual(
      declarative.map((s) => s.task),
      ['mn-yearly'],
      'both nodes synced the file: one declarative schedule',
    );

    // Every schedule comes due at the same moment, while both nodes poll.
    const dueAt = Date.now() + 1500;
    const pg = new Client({ connectionString: url });
    await pg.connect();
    try {
      await pg.query('UPDATE schedules SET next_tick_at = $1', [dueAt]);
    } finally {
      await pg.end();
    }
    const ids = new Set(created.map((s) => s.id));
    const fired = async (): Promise<Run[]> => (await a.client.listRuns({ taskIdentifier: ['mn-attached', 'mn-yearly'], pageSize: 1000 })).data;
    const until = Date.now() + 30_000;
    while ((await fired()).length < SCHEDULES + 1 && Date.now() < until) await sleep(100);
    // Polls go on for a while: nothing more may fire.
    await sleep(1500);
    const runs = await fired();
    const perSchedule = new Map<string, number>();
    for (const r of runs) perSchedule.set(r.schedule?.id ?? '?', (perSchedule.get(r.schedule?.id ?? '?') ?? 0) + 1);
    assert.equal(runs.length, SCHEDULES + 1, `runs per schedule: ${JSON.stringify([...perSchedule])}`);
    for (const id of [...ids, declarative[0]!.id]) assert.equal(perSchedule.get(id), 1, `schedule ${id}`);
    for (const r of runs) assert.equal(r.payload && (r.payload as { timestamp: string }).timestamp, new Date(dueAt).toISOString());
    const after = await b.client.retrieveSchedule(created[0]!.id);
    assert.equal(after.lastRun, new Date(dueAt).toISOString());
    assert.ok(Date.parse(after.nextRun!) > Date.now() + 24 * 3600_000);
  });
});
