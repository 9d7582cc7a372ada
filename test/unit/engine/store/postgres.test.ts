import assert from 'node:assert/strict';
import { Client } from 'pg';
import { withMetadata, withStatus, withTags } from '../../../../src/engine/runs/model';
import { openStore } from '../../../../src/engine/store/open';
import { PostgresRunStore } from '../../../../src/engine/store/postgres';
import type { RunRecord, RunStore, WriteOp } from '../../../../src/engine/store/types';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../../../support/postgres';
import { create, describeStoreConformance, ok, record, type StoreFactory } from './conformance';
import { describeQueueConformance } from './queue-conformance';
import { describeIdempotencyConformance } from './idempotency-conformance';

describe('Postgres store', function () {
  this.timeout(60_000);
  let server: TestPostgres | undefined;
  const opened: RunStore[] = [];

  before(async function () {
    this.timeout(120_000);
    if (!process.env['RUNLIGHT_TEST_DATABASE_URL'] && !findPostgresBin()) {
      const msg =
        'Postgres store tests need a server: install the Debian `postgresql` package (initdb/pg_ctl under /usr/lib/postgresql/*/bin) or set RUNLIGHT_TEST_DATABASE_URL';
      if (process.env['CI']) throw new Error(`${msg} (required when CI is set)`);
      process.stderr.write(`skipping: ${msg}\n`);
      this.skip();
    }
    server = await startTestPostgres();
  });

  after(async function () {
    // Stopping the server removes its cluster: ~80 databases of ~8 MB, over a minute on a loaded machine.
    this.timeout(300_000);
    for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    await server?.stop();
  });

  async function openOn(url: string): Promise<PostgresRunStore> {
    const store = new PostgresRunStore({ connectionString: url, poolSize: 6 });
    await store.open();
    opened.push(store);
    return store;
  }

  const postgresStore: StoreFactory = async () => {
    if (!server) throw new Error('no server');
    const url = await server.createDatabase();
    let store = await openOn(url);
    const extra: RunStore[] = [];
    return {
      store,
      async reopen() {
        await store.close();
        store = await openOn(url);
        return store;
      },
      async second() {
        const s = await openOn(url);
        extra.push(s);
        return s;
      },
      async dispose() {
        for (const s of [store, ...extra]) await s.close();
      },
    };
  };
  describeStoreConformance('postgres', postgresStore);
  describeQueueConformance('postgres', postgresStore);
  describeIdempotencyConformance('postgres', postgresStore);

  describe('across nodes', () => {
    let url: string;
    let a: PostgresRunStore;
    let b: PostgresRunStore;
    beforeEach(async () => {
      if (!server) throw new Error('no server');
      url = await server.createDatabase();
      a = await openOn(url);
      b = await openOn(url);
    });
    afterEach(async () => {
      await a.close();
      await b.close();
    });

    it('openStore picks the Postgres driver for postgres:// URLs', async () => {
      const s = await openStore(url, '/nonexistent/.runlight');
      opened.push(s);
      assert.ok(s instanceof PostgresRunStore);
      assert.equal(await s.headSeq(), 0);
      await s.close();
      await assert.rejects(openStore('mysql://x', '/tmp'), /Unknown store/);
    });

    it('announces the head seq of every commit to listeners on other nodes, until stopped', async () => {
      const heard: number[] = [];
      const stop = await a.listen((seq) => heard.push(seq));
      const r1 = record();
      const r2 = record();
      const [c1] = await b.write([create(r1)]);
      const results = await b.write([create(r2), { kind: 'batch', batchId: 'bb', runIds: [], createdAt: r2.run.createdAt }]);
      await b.write([{ kind: 'chunks', runId: r1.run.id, key: 'k', bodies: ['1'] }]); // no event, no notify
      const want = [ok(c1).event?.seq, ok(results[0]).event?.seq];
      const until = Date.now() + 5000;
      while (heard.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(heard, want);
      await stop();
      await b.write([create(record())]);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(heard.length, 2, 'no notification after stop');
    });

    it('feeds never miss an event: concurrent writers on two nodes commit out of seq order, a polling reader sees each event once in order', async () => {
      const runs = Array.from({ length: 8 }, () => record());
      await a.write(runs.map(create));
      let done = false;
      const received: number[] = [];
      const reader = (async () => {
        let cursor = await a.headSeq();
        for (;;) {
          const finished = done;
          const events = await a.eventsAfter(cursor, {}, 1000);
          for (const e of events) {
            assert.ok(e.seq > cursor, 'seqs ascend');
            received.push(e.seq);
            cursor = e.seq;
          }
          if (finished && events.length === 0) return;
        }
      })();
      const start = received.length;
      const writers = runs.map(async (r, i) => {
        const node = i % 2 === 0 ? a : b;
        for (let n = 0; n < 30; n++) {
          const [res] = await node.write([
            { kind: 'chunks', runId: r.run.id, key: 'k', bodies: Array.from({ length: 5 }, (_, j) => String(j)) },
            { kind: 'update', runId: r.run.id, apply: (rec) => ({ record: { ...rec, run: { ...rec.run, metadata: { n } } }, type: 'metadata' }) },
          ]);
          assert.ok(res?.ok);
        }
      });
      await Promise.all(writers);
      done = true;
      await reader;
      const all = (await a.eventsAfter(0, {}, 100_000)).map((e) => e.seq).slice(runs.length);
      assert.equal(all.length, runs.length * 30);
      assert.deepEqual(received.slice(start), all, 'the polling reader saw every event exactly once, in order');
    });

    /**
     * Stalls a real write of node `b` in the middle of its commit: an uncommitted row (on a connection of the test)
     * holds the seq b's write will draw next, so b's insert waits for that connection at the unique index, with
     * its seq drawn and its transaction open. Resolves once b waits.
     */
    async function stallNextWrite(op: (r: RunRecord) => WriteOp, r: RunRecord) {
      const blocker = new Client({ connectionString: url });
      await blocker.connect();
      const seqRow = await blocker.query<{ last_value: string; is_called: boolean }>('SELECT last_value, is_called FROM run_events_seq_seq');
      const next = Number(seqRow.rows[0]!.last_value) + (seqRow.rows[0]!.is_called ? 1 : 0);
      await blocker.query('BEGIN');
      await blocker.query("INSERT INTO run_events (seq, run_id, type, tags, data) VALUES ($1, 'blocker', 'created', '{}', '{}')", [next]);
      const write = b.write([op(r)]);
      write.catch(() => undefined);
      let pid: number | undefined;
      for (const until = Date.now() + 10_000; pid === undefined;) {
        const res = await blocker.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'transactionid'",
        );
        pid = res.rows[0]?.pid;
        if (pid === undefined && Date.now() > until) throw new Error('the write did not stall');
        if (pid === undefined) await new Promise((wake) => setTimeout(wake, 10));
      }
      return { next, write, blocker, pid };
    }

    const metadataOp =
      (m: Record<string, number | boolean>) =>
      (r: RunRecord): WriteOp => ({ kind: 'update', runId: r.run.id, apply: (rec) => withMetadata(rec, m, rec.run.createdAt) });

    it('a reader holds at a seq drawn earlier and committed later, then gets every event once, in seq order', async () => {
      const c = await openOn(url); // a third node, reading
      const [r1, r2] = [record(), record()];
      await a.write([create(r1), create(r2)]);
      const start = await c.headSeq();
      const stall = await stallNextWrite(metadataOp({ stalled: true }), r1);
      try {
        // Node a commits while b's commit is stalled: its seqs are above the one b holds.
        const later: number[] = [];
        for (let n = 0; n < 4; n++) later.push(ok((await a.write([metadataOp({ n })(r2)]))[0]).event!.seq);
        assert.ok(
          later.every((s) => s > stall.next),
          'a committed seqs above the one b holds',
        );
        assert.deepEqual(await c.eventsAfter(start, {}, 100), [], 'nothing past the seq b holds');
        assert.deepEqual(await c.eventsAfter(start, { runIds: [r2.run.id] }, 100), [], 'nor on a per-run read');
        assert.ok((await c.headSeq()) < stall.next, 'the head stays below it');
        assert.deepEqual(
          (await c.snapshot({ runIds: [r2.run.id] }, 10)).map((x) => [x.lastSeq, x.run.metadata]),
          [[start, r2.run.metadata]],
          'a snapshot is as of the head: r2 before its later changes',
        );
        await stall.blocker.query('ROLLBACK');
        const [res] = await stall.write;
        assert.equal(ok(res).event?.seq, stall.next);
        const events = await c.eventsAfter(start, {}, 100);
        assert.deepEqual(
          events.map((e) => [e.seq, e.runId]),
          [[stall.next, r1.run.id], ...later.map((s) => [s, r2.run.id])],
          'every event once, in seq order',
        );
        assert.equal(await c.headSeq(), later.at(-1));
        // A cursor taken before the stall resumes on another node with nothing missing.
        assert.deepEqual(
          (await a.eventsAfter(start, {}, 100)).map((e) => e.seq),
          [stall.next, ...later],
        );
      } finally {
        await stall.blocker.end();
      }
    });

    it('holds at a seq whose writer took its transaction id after the last one to commit (a snapshot does not list it)', async () => {
      const c = await openOn(url);
      const r = record();
      await a.write([create(r)]);
      const start = await c.headSeq();
      const [early, holder] = [new Client({ connectionString: url }), new Client({ connectionString: url })];
      await Promise.all([early.connect(), holder.connect()]);
      const append =
        "INSERT INTO run_events (seq, run_id, type, tags, data) SELECT nextval('run_events_seq_seq'), run_id, type, tags, data FROM run_events WHERE seq = $1 RETURNING seq";
      try {
        // `early` takes its id first; `holder` takes a later id and draws a seq; `early` draws the next seq and commits.
        // The last transaction to complete is then below the holder's id: a snapshot's list of transactions in
        // progress leaves the holder out, though it holds a seq below the committed one.
        await early.query('BEGIN');
        await early.query('SELECT pg_current_xact_id()');
        await holder.query('BEGIN');
        await holder.query('SELECT pg_current_xact_id()');
        const held = Number((await holder.query<{ seq: string }>(append, [start])).rows[0]!.seq);
        const after = Number((await early.query<{ seq: string }>(append, [start])).rows[0]!.seq);
        await early.query('COMMIT');
        assert.equal(after, held + 1);
        assert.deepEqual(await c.eventsAfter(start, {}, 100), [], 'nothing past the seq the holder has not committed');
        assert.ok((await c.headSeq()) < held, 'the head stays below it');
        await holder.query('COMMIT');
        assert.deepEqual(
          (await c.eventsAfter(start, {}, 100)).map((e) => e.seq),
          [held, after],
          'both, in seq order, once the holder commits',
        );
      } finally {
        await Promise.all([early.end(), holder.end()]);
      }
    });

    it('passes a seq whose writer died mid-commit once the transactions that could hold it have ended', async () => {
      const c = await openOn(url);
      const [r1, r2] = [record(), record()];
      await a.write([create(r1), create(r2)]);
      const start = await c.headSeq();
      const stall = await stallNextWrite(metadataOp({ stalled: true }), r1);
      try {
        await stall.blocker.query('SELECT pg_terminate_backend($1)', [stall.pid]);
        await assert.rejects(stall.write);
        await stall.blocker.query('ROLLBACK');
        const later: number[] = [];
        for (let n = 0; n < 3; n++) later.push(ok((await a.write([metadataOp({ n })(r2)]))[0]).event!.seq);
        let seen: number[] = [];
        for (const until = Date.now() + 10_000; seen.length < later.length && Date.now() < until;) {
          seen = (await c.eventsAfter(start, {}, 100)).map((e) => e.seq);
          await new Promise((wake) => setTimeout(wake, 20));
        }
        assert.deepEqual(seen, later, 'the lost seq is skipped, nothing else');
        assert.deepEqual(await b.getRun(r1.run.id).then((x) => x?.run.metadata), r1.run.metadata, 'the dead write left nothing');
      } finally {
        await stall.blocker.end();
      }
    });

    it('appends chunks of one stream from two nodes with unique, gapless idx', async () => {
      const r = record();
      await a.write([create(r)]);
      const appends = Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).write([{ kind: 'chunks', runId: r.run.id, key: 'out', bodies: [`${i}`, `${i}`] }]));
      const results = await Promise.all(appends);
      const idx = results.flatMap((res) => ok(res[0]).chunks ?? []).map((c) => c.idx);
      assert.deepEqual(
        [...idx].sort((x, y) => x - y),
        Array.from({ length: 80 }, (_, i) => i),
      );
      assert.equal(await a.chunkCount(r.run.id, 'out'), 80);
    });

    it('lets exactly one node create a given run id', async () => {
      const r = record();
      const [ra, rb] = await Promise.all([a.write([create(r)]), b.write([create(r)])]);
      const oks = [ra[0], rb[0]].filter((x) => x?.ok);
      assert.equal(oks.length, 1);
      assert.equal((await a.eventsAfter(0, {}, 10)).length, 1);
    });

    it('stores U+0000 inside JSON, and refuses it in tags without failing the rest of the group', async () => {
      const r = record();
      const nul = String.fromCharCode(0);
      r.run.payload = { text: `a${nul}b` };
      const bad = record({ tags: [`x${nul}`] });
      const results = await a.write([
        create(r),
        create(bad),
        { kind: 'update', runId: r.run.id, apply: (rec) => withTags(rec, [`y${nul}`], rec.run.createdAt, 10) },
        { kind: 'update', runId: r.run.id, apply: (rec) => withMetadata(rec, { m: nul }, rec.run.createdAt) },
      ]);
      assert.deepEqual(
        results.map((x) => x.ok),
        [true, false, false, true],
      );
      const stored = await b.getRun(r.run.id);
      assert.deepEqual(stored?.run.payload, { text: `a${nul}b` });
      assert.deepEqual(stored?.run.metadata, { m: nul });
      assert.equal(stored?.lastSeq, ok(results[3]).event?.seq);
    });

    it('keeps tags with quotes, backslashes, commas, braces and spaces as they are, in events and run rows', async () => {
      const tags = ['a "quoted" tag', 'back\\slash', 'x,y', '{braces}', ' NULL ', ''];
      const r = record({ tags });
      const [res] = await a.write([create(r)]);
      assert.deepEqual(ok(res).event?.tags, tags);
      assert.deepEqual(
        (await b.eventsAfter(0, {}, 10)).map((e) => e.tags),
        [tags],
      );
      assert.deepEqual(
        (await b.listRuns({ tags: ['x,y', '{braces}'] }, { size: 10 })).map((x) => x.run.tags),
        [tags],
      );
    });

    it('lists runs whose lease expired', async () => {
      const r = record();
      await a.write([create(r)]);
      const now = Date.parse(r.run.createdAt) + 1000;
      await a.claimQueued('node-x', 1, now, 5000);
      assert.deepEqual(await b.expiredLeases(now + 4999, 10), []);
      const expired = await b.expiredLeases(now + 5001, 10);
      assert.deepEqual(
        expired.map((x) => [x.run.id, x.lockedBy]),
        [[r.run.id, 'node-x']],
      );
      await a.write([{ kind: 'update', runId: r.run.id, apply: (rec) => withStatus(rec, { status: 'QUEUED', now: new Date(now).toISOString() }) }]);
      assert.deepEqual(await b.expiredLeases(now + 5001, 10), []);
    });
  });
});
