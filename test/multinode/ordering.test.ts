import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../support/postgres';
import {
  MULTINODE_TASKS,
  TASK_IDS,
  assertSameAsLog,
  changeLog,
  follow,
  sleep,
  startNode,
  waitForTasks,
  waitUntil,
  type EngineNode,
  type Received,
} from './support';

/**
 * Nodes commit in parallel, so a seq drawn earlier may commit after later ones: the bug class of a change log whose
 * readers advance past a seq that is not committed yet. Here one node's commit is held in the middle (a row of the
 * test's own open transaction holds the seq it draws, so its insert waits at the unique index) while the other
 * nodes keep committing later seqs. No feed may deliver past the held seq; once it commits, every feed carries the
 * whole change log once, in seq order, including a subscriber that moved to another node with Last-Event-ID.
 */

const PER_NODE = Number(process.env.RUNLIGHT_MULTINODE_ORDERING_RUNS ?? 120);

describe('multinode: commits out of seq order', function () {
  this.timeout(300_000);
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

  it('no feed passes a seq whose commit is held while other nodes commit later ones; then every feed has the whole log, in order', async function () {
    this.timeout(300_000);
    const db = await server!.createDatabase();
    const started = await Promise.allSettled(['n1', 'n2', 'n3'].map((name) => startNode(name, db, MULTINODE_TASKS, { workers: 2 })));
    nodes.push(...started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [n1, n2, n3] = nodes as [EngineNode, EngineNode, EngineNode];
    await Promise.all(nodes.map((n) => waitForTasks(n.client, TASK_IDS)));

    const stop = new AbortController();
    const stopMoved = new AbortController();
    const stopResumed = new AbortController();
    const bound = setTimeout(() => [stop, stopMoved, stopResumed].forEach((c) => c.abort()), 240_000);
    const feeds = { n1: follow(n1.client, stop.signal), n2: follow(n2.client, stop.signal), n3: follow(n3.client, stop.signal) };
    const moved = follow(n2.client, stopMoved.signal); // moves to node 3 while the commit is held

    const sql = new Client({ connectionString: db });
    await sql.connect();
    const blocker = new Client({ connectionString: db });
    await blocker.connect();
    try {
      // Two trigger lanes per node, so the lanes of the node whose commit is held wait alone.
      let triggered = 0;
      const triggering = Promise.all(
        nodes.flatMap((n) =>
          [0, 1].map(async () => {
            for (let i = 0; i < PER_NODE / 2; i++) {
              await n.client.trigger('noop', {});
              triggered++;
            }
          }),
        ),
      );
      await waitUntil('runs to flow', 60_000, () => triggered >= 30);

      // Hold the seq 40 ahead: the node that draws it waits for this transaction, with its own transaction open.
      const seqRow = await sql.query<{ last_value: string }>('SELECT last_value FROM run_events_seq_seq');
      const held = Number(seqRow.rows[0]!.last_value) + 40;
      await blocker.query('BEGIN');
      await blocker.query("INSERT INTO run_events (seq, run_id, type, tags, data) VALUES ($1, 'blocker', 'created', '{}', '{}')", [held]);
      const waiting = async (): Promise<boolean> =>
        (await sql.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'transactionid'"))
          .rowCount! > 0;
      await waitUntil('a node to draw the held seq', 60_000, waiting);
      const top = async (): Promise<number> => Number((await sql.query<{ top: string }>('SELECT COALESCE(max(seq), 0) AS top FROM run_events')).rows[0]!.top);
      await waitUntil('the other nodes to commit 20 seqs past it', 60_000, async () => (await top()) > held + 20);
      await sleep(500);
      const passed = await top();
      assert.ok(await waiting(), 'the commit is still held');
      for (const [name, f] of Object.entries(feeds)) {
        const last = f.received().at(-1)?.seq ?? 0;
        assert.ok(last < held, `the feed on ${name} is at seq ${last}, past seq ${held} which is not committed (seq ${passed} is)`);
      }
      // A subscriber moves from node 2 to node 3 while the commit is held.
      stopMoved.abort();
      await moved.done;
      const firstPart = moved.received();
      const resumed = follow(n3.client, stopResumed.signal, String(firstPart.at(-1)?.seq ?? 0));
      process.stderr.write(
        `      seq ${held} held while the log reached seq ${passed}; feeds at ${Object.values(feeds).map((f) => f.received().at(-1)?.seq)}\n`,
      );

      await blocker.query('ROLLBACK');
      await triggering;
      const runs = nodes.length * PER_NODE;
      const completed = (rs: Received[]): number => new Set(rs.filter((r) => r.run.status === 'COMPLETED').map((r) => r.run.id)).size;
      await waitUntil(`${runs} runs COMPLETED on node 1`, 120_000, () => completed(feeds.n1.received()) === runs);
      const log = await changeLog(db);
      const head = log.at(-1)!.seq;
      await waitUntil('every feed to reach the head of the log', 30_000, () =>
        [...Object.values(feeds), resumed].every((f) => f.received().at(-1)?.seq === head),
      );
      clearTimeout(bound);
      stop.abort();
      stopResumed.abort();
      await Promise.all([...Object.values(feeds).map((f) => f.done), resumed.done]);
      assert.ok(
        log.some((e) => e.seq === held),
        'the held seq was committed after the later ones',
      );
      for (const [name, f] of Object.entries(feeds)) assertSameAsLog(`subscriber on ${name}`, f.received(), log);
      assertSameAsLog('subscriber moved from node 2 to node 3', [...firstPart, ...resumed.received()], log);
    } finally {
      clearTimeout(bound);
      [stop, stopMoved, stopResumed].forEach((c) => c.abort());
      await blocker.end().catch(() => undefined);
      await sql.end().catch(() => undefined);
    }
  });
});
