import assert from 'node:assert/strict';
import superjson from 'superjson';
import { Run, type Json, type ValueMeta } from '../../../../src/protocol/run';
import { newRunRecord, withMetadata, withResumed, withStatus, withStreamWrite, withTags, withWaiting } from '../../../../src/engine/runs/model';
import {
  StoreRefusal,
  type RunEvent,
  type RunRecord,
  type RunStore,
  type ScheduleRecord,
  type WaitTokenRecord,
  type WriteOp,
  type WriteResult,
} from '../../../../src/engine/store/types';

/** One store under test, on a fresh database. */
export interface StoreFixture {
  store: RunStore;
  /** Closes `store` and opens a new store on the same database (migrations run again). */
  reopen(): Promise<RunStore>;
  /**
   * Another open store on the same database, as a second engine node would have (Postgres).
   * Undefined when the driver allows one owner only (SQLite): the claim race then runs on `store`.
   */
  second?(): Promise<RunStore>;
  dispose(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

let runCounter = 0;

export function record(
  opts: {
    id?: string;
    task?: string;
    tags?: string[];
    batchId?: string;
    idempotencyKey?: string;
    createdAt?: string;
    delayedUntil?: string;
  } = {},
): RunRecord {
  runCounter++;
  return newRunRecord({
    id: opts.id ?? `run_${String(runCounter).padStart(6, '0')}`,
    taskIdentifier: opts.task ?? 'task-a',
    payload: { n: runCounter },
    tags: opts.tags,
    batchId: opts.batchId,
    idempotencyKey: opts.idempotencyKey,
    delayedUntil: opts.delayedUntil,
    maxAttempts: 3,
    number: runCounter,
    now: opts.createdAt ?? iso(runCounter),
  });
}

export const create = (r: RunRecord): WriteOp => ({ kind: 'create', record: r });

export function ok(result: WriteResult | undefined): Extract<WriteResult, { ok: true }> {
  assert.ok(result, 'missing result');
  if (!result.ok) throw new Error(`op failed: ${result.error.message}`);
  return result;
}

function eventOf(result: WriteResult | undefined): RunEvent {
  const e = ok(result).event;
  assert.ok(e, 'expected an event');
  return e;
}

async function createAll(store: RunStore, records: RunRecord[]): Promise<RunEvent[]> {
  const results = await store.write(records.map(create));
  return results.map(eventOf);
}

function setStatus(runId: string, status: Run['status'], now = iso(10_000)): WriteOp {
  return { kind: 'update', runId, apply: (r) => withStatus(r, { status, now }) };
}

function ids(records: RunRecord[]): string[] {
  return records.map((r) => r.run.id);
}

export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`RunStore conformance: ${name}`, function () {
    this.timeout(30_000);
    let fx: StoreFixture;
    let store: RunStore;

    beforeEach(async () => {
      fx = await factory();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.dispose();
    });

    it('creates a run with a created event whose data is the public Run', async () => {
      const r = record({ tags: ['a', 'b'], batchId: 'batch_1' });
      const [event] = await createAll(store, [r]);
      assert.ok(event);
      assert.equal(event.type, 'created');
      assert.equal(event.runId, r.run.id);
      assert.ok(event.seq > 0);
      assert.deepEqual(event.tags, ['a', 'b']);
      assert.equal(event.batchId, 'batch_1');
      const run = Run.parse(JSON.parse(event.data));
      assert.deepEqual(run, r.run);
      const stored = await store.getRun(r.run.id);
      assert.ok(stored);
      assert.equal(stored.lastSeq, event.seq);
      assert.deepEqual(stored.run, r.run);
      assert.equal(stored.maxAttempts, 3);
      assert.equal(await store.headSeq(), event.seq);
      assert.equal(await store.getRun('run_missing'), undefined);
    });

    it('keeps a payload`s and an output`s superjson types (payloadMeta, outputMeta) across a reopen, in the run and its events', async () => {
      const typed = superjson.serialize({
        at: new Date(0),
        big: 12n,
        ids: new Set(['a']),
        byName: new Map([['k', /x/g]]),
        url: new URL('https://a.test/'),
        gone: undefined,
      });
      const r = newRunRecord({
        id: 'run_typed',
        taskIdentifier: 'task-a',
        payload: typed.json as Json,
        payloadMeta: typed.meta as ValueMeta,
        maxAttempts: 1,
        number: 1,
        now: iso(1),
      });
      await createAll(store, [r]);
      const out = superjson.serialize({ done: new Date(5), n: 3n });
      for (const status of ['DEQUEUED', 'EXECUTING'] as const) await store.write([setStatus(r.run.id, status)]);
      const [res] = await store.write([
        {
          kind: 'update',
          runId: r.run.id,
          apply: (rec) => withStatus(rec, { status: 'COMPLETED', now: iso(9), output: out.json as Json, outputMeta: out.meta as ValueMeta }),
        },
      ]);
      const ended = Run.parse(JSON.parse(eventOf(res).data));
      assert.deepEqual(ended.outputMeta, out.meta);
      assert.deepEqual(ended.payloadMeta, typed.meta);
      const reopened = await fx.reopen();
      store = reopened;
      const stored = await reopened.getRun(r.run.id);
      assert.ok(stored);
      assert.deepEqual(superjson.deserialize({ json: stored.run.payload as never, meta: stored.run.payloadMeta as never }), superjson.deserialize(typed));
      assert.deepEqual(superjson.deserialize({ json: stored.run.output as never, meta: stored.run.outputMeta as never }), { done: new Date(5), n: 3n });
      const [listed] = await reopened.listRuns({ runIds: [r.run.id] }, { size: 1 });
      assert.deepEqual(listed?.run.payloadMeta, typed.meta);
      const events = await reopened.eventsAfter(0, { runIds: [r.run.id] }, 10);
      assert.deepEqual(Run.parse(JSON.parse(events[0]!.data)).payloadMeta, typed.meta);
    });

    it('starts empty: head seq 0, no events, no runs', async () => {
      assert.equal(await store.headSeq(), 0);
      assert.deepEqual(await store.eventsAfter(0, {}, 10), []);
      assert.deepEqual(await store.listRuns({}, { size: 10 }), []);
    });

    it('updates write one event each with strictly increasing seqs and the record keeps lastSeq', async () => {
      const r = record();
      const created = eventOf((await store.write([create(r)]))[0]);
      const seqs = [created.seq];
      for (const status of ['DEQUEUED', 'EXECUTING'] as const) {
        const [res] = await store.write([setStatus(r.run.id, status)]);
        const e = eventOf(res);
        assert.equal(e.type, 'status');
        assert.equal(Run.parse(JSON.parse(e.data)).status, status);
        seqs.push(e.seq);
      }
      const [res] = await store.write([{ kind: 'update', runId: r.run.id, apply: (rec) => withMetadata(rec, { progress: 0.5 }, iso(20_000)) }]);
      seqs.push(eventOf(res).seq);
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `seqs not increasing: ${seqs}`);
      const stored = await store.getRun(r.run.id);
      assert.equal(stored?.lastSeq, seqs.at(-1));
      assert.equal(stored?.run.status, 'EXECUTING');
      assert.deepEqual(stored?.run.metadata, { progress: 0.5 });
      assert.equal(await store.headSeq(), seqs.at(-1));
      const events = await store.eventsAfter(0, {}, 100);
      assert.deepEqual(
        events.map((e) => e.seq),
        seqs,
      );
      assert.deepEqual(
        events.map((e) => e.type),
        ['created', 'status', 'status', 'metadata'],
      );
    });

    it("gives a run's history: its status, attempt, error and output events in order, not its metadata, tags or streams", async () => {
      const r = record({ tags: ['t'] });
      const other = record();
      await createAll(store, [r, other]);
      const meta = (n: number) => ({ kind: 'update' as const, runId: r.run.id, apply: (rec: RunRecord) => withMetadata(rec, { n }, iso(20_000 + n)) });
      await store.write([setStatus(r.run.id, 'DEQUEUED'), meta(1), setStatus(other.run.id, 'DEQUEUED')]);
      await store.write([setStatus(r.run.id, 'EXECUTING'), meta(2), meta(3)]);
      await store.write([{ kind: 'update', runId: r.run.id, apply: (rec) => withTags(rec, ['u'], iso(30_000), 10) }, setStatus(r.run.id, 'COMPLETED')]);
      const history = await store.runHistory(r.run.id, 100);
      assert.deepEqual(
        history.map((e) => [e.runId, e.type, Run.parse(JSON.parse(e.data)).status]),
        [
          [r.run.id, 'created', 'QUEUED'],
          [r.run.id, 'status', 'DEQUEUED'],
          [r.run.id, 'status', 'EXECUTING'],
          [r.run.id, 'status', 'COMPLETED'],
        ],
      );
      for (let i = 1; i < history.length; i++) assert.ok(history[i]!.seq > history[i - 1]!.seq);
      assert.deepEqual(
        (await store.runHistory(r.run.id, 2)).map((e) => e.seq),
        history.slice(0, 2).map((e) => e.seq),
      );
      assert.deepEqual(await store.runHistory('run_missing', 10), []);
    });

    it('an update whose apply returns undefined writes nothing', async () => {
      const r = record();
      await createAll(store, [r]);
      const head = await store.headSeq();
      const [res] = await store.write([{ kind: 'update', runId: r.run.id, apply: () => undefined }]);
      assert.deepEqual(res, { ok: true });
      assert.equal(await store.headSeq(), head);
    });

    it('a refused op rolls back only itself; the rest of the group commits', async () => {
      const a = record();
      const b = record();
      await createAll(store, [a, b]);
      const c = record();
      const head = await store.headSeq();
      const results = await store.write([
        setStatus(a.run.id, 'DEQUEUED'),
        {
          kind: 'update',
          runId: b.run.id,
          apply: () => {
            throw new StoreRefusal('invalid_request', 'refused on purpose');
          },
        },
        create(c),
        { kind: 'update', runId: 'run_does_not_exist', apply: (r) => withStatus(r, { status: 'CANCELED', now: iso(1) }) },
        {
          kind: 'update',
          runId: b.run.id,
          apply: () => {
            throw new TypeError('plain bug');
          },
        },
        create(a), // duplicate id: the database refuses
        { kind: 'batch', batchId: 'batch_x', runIds: [c.run.id], createdAt: iso(5) },
        { kind: 'batch', batchId: 'batch_x', runIds: [c.run.id], createdAt: iso(5) },
        setStatus(b.run.id, 'CANCELED'),
      ]);
      assert.equal(results.length, 9);
      assert.equal(ok(results[0]).event?.type, 'status');
      const refused = results[1];
      assert.ok(refused && !refused.ok);
      assert.ok(refused.error instanceof StoreRefusal);
      assert.equal(refused.error.code, 'invalid_request');
      assert.equal(refused.error.message, 'refused on purpose');
      assert.equal(ok(results[2]).event?.type, 'created');
      const missing = results[3];
      assert.ok(missing && !missing.ok);
      assert.equal((missing.error as StoreRefusal).code, 'run_not_found');
      const bug = results[4];
      assert.ok(bug && !bug.ok && bug.error instanceof TypeError);
      const dup = results[5];
      assert.ok(dup && !dup.ok, 'duplicate create must fail');
      assert.equal((dup.error as StoreRefusal).code, 'run_exists');
      assert.deepEqual(results[6], { ok: true });
      const dupBatch = results[7];
      assert.ok(dupBatch && !dupBatch.ok, 'duplicate batch must fail');
      assert.equal(ok(results[8]).event?.type, 'status');

      assert.equal((await store.getRun(a.run.id))?.run.status, 'DEQUEUED');
      assert.equal((await store.getRun(b.run.id))?.run.status, 'CANCELED');
      assert.equal((await store.getRun(c.run.id))?.run.status, 'QUEUED');
      const events = await store.eventsAfter(head, {}, 100);
      assert.deepEqual(
        events.map((e) => [e.runId, e.type]),
        [
          [a.run.id, 'status'],
          [c.run.id, 'created'],
          [b.run.id, 'status'],
        ],
      );
      // The original record of `a` is untouched by the refused duplicate create.
      assert.equal((await store.getRun(a.run.id))?.run.payload !== undefined, true);
    });

    it('an op failing after its event was written leaves no trace of it', async () => {
      const r = record();
      await createAll(store, [r]);
      const head = await store.headSeq();
      const results = await store.write([
        {
          kind: 'update',
          runId: r.run.id,
          // The store cannot index this time: the op fails once its event row exists (SQLite).
          apply: (rec) => ({ record: { ...rec, run: { ...rec.run, delayedUntil: 'not a time' } }, type: 'status' }),
        },
        create(record({ createdAt: 'also not a time' })),
        { kind: 'chunks', runId: r.run.id, key: 'k', bodies: ['1'] },
      ]);
      assert.equal(results[0]?.ok, false);
      assert.equal(results[1]?.ok, false);
      assert.deepEqual(ok(results[2]).chunks, [{ idx: 0, body: '1' }]);
      assert.equal(await store.headSeq(), head);
      assert.deepEqual(await store.eventsAfter(head, {}, 10), []);
      assert.equal((await store.getRun(r.run.id))?.run.delayedUntil, undefined);
      assert.equal((await store.listRuns({}, { size: 10 })).length, 1);
    });

    it('several ops on one run in a group see each other in order', async () => {
      const r = record();
      await createAll(store, [r]);
      const seen: string[] = [];
      const results = await store.write([
        setStatus(r.run.id, 'DEQUEUED'),
        {
          kind: 'update',
          runId: r.run.id,
          apply: (rec) => {
            seen.push(rec.run.status);
            return withTags(rec, ['x'], iso(30), 10);
          },
        },
        {
          kind: 'update',
          runId: r.run.id,
          apply: () => {
            throw new StoreRefusal('run_finished', 'no');
          },
        },
        {
          kind: 'update',
          runId: r.run.id,
          apply: (rec) => {
            seen.push(rec.run.tags.join(','));
            return withStatus(rec, { status: 'EXECUTING', now: iso(31) });
          },
        },
      ]);
      assert.deepEqual(seen, ['DEQUEUED', 'x']);
      const e0 = eventOf(results[0]);
      const e1 = eventOf(results[1]);
      const e3 = eventOf(results[3]);
      assert.ok(e0.seq < e1.seq && e1.seq < e3.seq);
      assert.deepEqual(e0.tags, []);
      assert.deepEqual(e1.tags, ['x']);
      assert.equal(Run.parse(JSON.parse(e0.data)).status, 'DEQUEUED');
      const stored = await store.getRun(r.run.id);
      assert.equal(stored?.run.status, 'EXECUTING');
      assert.deepEqual(stored?.run.tags, ['x']);
      assert.equal(stored?.lastSeq, e3.seq);
    });

    it('chunks get idx from 0 per (run, key), continuing across writes, groups and reopen', async () => {
      const r = record();
      const other = record();
      await createAll(store, [r, other]);
      const chunk = (runId: string, key: string, bodies: string[]): WriteOp => ({ kind: 'chunks', runId, key, bodies });
      const [first] = await store.write([chunk(r.run.id, 'out', ['"a"', '"b"', '"c"'])]);
      assert.deepEqual(ok(first).chunks, [
        { idx: 0, body: '"a"' },
        { idx: 1, body: '"b"' },
        { idx: 2, body: '"c"' },
      ]);
      assert.equal(ok(first).event, undefined);
      const results = await store.write([
        chunk(r.run.id, 'out', ['"d"']),
        chunk(r.run.id, 'other', ['1', '2']),
        chunk(other.run.id, 'out', ['"z"']),
        chunk(r.run.id, 'out', ['"e"', '"f"']),
        chunk('run_nope', 'out', ['"lost"']),
      ]);
      assert.deepEqual(
        ok(results[0]).chunks?.map((c) => c.idx),
        [3],
      );
      assert.deepEqual(
        ok(results[1]).chunks?.map((c) => c.idx),
        [0, 1],
      );
      assert.deepEqual(
        ok(results[2]).chunks?.map((c) => c.idx),
        [0],
      );
      assert.deepEqual(
        ok(results[3]).chunks?.map((c) => c.idx),
        [4, 5],
      );
      assert.equal(results[4]?.ok, false);
      assert.equal(await store.chunkCount(r.run.id, 'out'), 6);
      assert.equal(await store.chunkCount(r.run.id, 'other'), 2);
      assert.equal(await store.chunkCount('run_nope', 'out'), 0);
      const all = await store.chunksAfter(r.run.id, 'out', -1, 100);
      assert.deepEqual(
        all.map((c) => c.body),
        ['"a"', '"b"', '"c"', '"d"', '"e"', '"f"'],
      );
      assert.deepEqual(await store.chunksAfter(r.run.id, 'out', 2, 2), [
        { idx: 3, body: '"d"' },
        { idx: 4, body: '"e"' },
      ]);
      store = await fx.reopen();
      const [after] = await store.write([chunk(r.run.id, 'out', ['"g"'])]);
      assert.deepEqual(ok(after).chunks, [{ idx: 6, body: '"g"' }]);
    });

    it('a refused chunk op stores no chunks and does not disturb idx', async () => {
      const r = record();
      await createAll(store, [r]);
      const results = await store.write([
        { kind: 'chunks', runId: r.run.id, key: 'k', bodies: ['1'] },
        {
          kind: 'chunks',
          runId: r.run.id,
          key: 'k',
          bodies: ['2', '3'],
          apply: () => {
            throw new StoreRefusal('run_finished', 'closed');
          },
        },
        { kind: 'chunks', runId: r.run.id, key: 'k', bodies: ['4'] },
      ]);
      assert.equal(results[1]?.ok, false);
      assert.deepEqual(
        (await store.chunksAfter(r.run.id, 'k', -1, 10)).map((c) => [c.idx, c.body]),
        [
          [0, '1'],
          [1, '4'],
        ],
      );
    });

    it('a chunk op registers its stream key through apply as one stream event, then refuses once finished', async () => {
      const r = record();
      await createAll(store, [r]);
      const write = (bodies: string[]): WriteOp => ({
        kind: 'chunks',
        runId: r.run.id,
        key: 'answer',
        bodies,
        apply: (rec) => withStreamWrite(rec, 'answer', iso(50), false),
      });
      const [firstRes] = await store.write([write(['"hel"'])]);
      const first = ok(firstRes);
      assert.equal(first.event?.type, 'stream');
      assert.deepEqual(Run.parse(JSON.parse(first.event?.data ?? '{}')).realtimeStreams, ['answer']);
      assert.deepEqual(first.chunks, [{ idx: 0, body: '"hel"' }]);
      const [secondRes] = await store.write([write(['"lo"'])]);
      assert.equal(ok(secondRes).event, undefined);
      assert.deepEqual(ok(secondRes).chunks, [{ idx: 1, body: '"lo"' }]);
      assert.deepEqual((await store.getRun(r.run.id))?.run.realtimeStreams, ['answer']);
      assert.equal((await store.getRun(r.run.id))?.lastSeq, first.event?.seq);

      await store.write([setStatus(r.run.id, 'COMPLETED')]);
      const [late] = await store.write([write(['"late"'])]);
      assert.ok(late && !late.ok);
      assert.equal((late.error as StoreRefusal).code, 'run_finished');
      assert.equal(await store.chunkCount(r.run.id, 'answer'), 2);
    });

    describe('queries', () => {
      let runs: Record<string, RunRecord>;
      beforeEach(async () => {
        runs = {
          a1: record({ id: 'run_a1', task: 'alpha', tags: ['red', 'big'], createdAt: iso(1000) }),
          a2: record({ id: 'run_a2', task: 'alpha', tags: ['red'], batchId: 'batch_1', createdAt: iso(2000) }),
          b1: record({ id: 'run_b1', task: 'beta', tags: ['big'], batchId: 'batch_1', createdAt: iso(3000) }),
          b2: record({ id: 'run_b2', task: 'beta', tags: ['red', 'big', 'old'], createdAt: iso(4000) }),
          // Same createdAt as b2: the id breaks the tie.
          c1: record({ id: 'run_c1', task: 'gamma', createdAt: iso(4000) }),
        };
        runs.b2!.run.schedule = { id: 'sched_1', generator: { type: 'CRON', expression: '* * * * *', description: 'Every minute' } };
        runs.a1!.run.schedule = { id: 'sched_2', externalId: 'x', generator: { type: 'CRON', expression: '0 * * * *', description: 'Every hour' } };
        // b1 and c1 are children of a1 (triggered from inside its task); b2 a grandchild.
        for (const [child, parent] of [
          ['b1', 'run_a1'],
          ['c1', 'run_a1'],
          ['b2', 'run_c1'],
        ] as const) {
          runs[child]!.parentRunId = parent;
          runs[child]!.rootRunId = 'run_a1';
        }
        await store.write(Object.values(runs).map(create));
        await store.write([setStatus('run_a2', 'COMPLETED'), setStatus('run_b1', 'FAILED')]);
      });

      it('lists newest first with every filter', async () => {
        const list = async (filter: Parameters<RunStore['listRuns']>[0]) => ids(await store.listRuns(filter, { size: 100 }));
        assert.deepEqual(await list({}), ['run_c1', 'run_b2', 'run_b1', 'run_a2', 'run_a1']);
        assert.deepEqual(await list({ taskIdentifier: ['alpha'] }), ['run_a2', 'run_a1']);
        assert.deepEqual(await list({ taskIdentifier: ['alpha', 'gamma'] }), ['run_c1', 'run_a2', 'run_a1']);
        assert.deepEqual(await list({ status: ['COMPLETED', 'FAILED'] }), ['run_b1', 'run_a2']);
        assert.deepEqual(await list({ status: [] }), []);
        assert.deepEqual(await list({ tags: ['red'] }), ['run_b2', 'run_a2', 'run_a1']);
        assert.deepEqual(await list({ tags: ['red', 'big'] }), ['run_b2', 'run_a1']);
        assert.deepEqual(await list({ tags: ['red', 'big', 'old'] }), ['run_b2']);
        assert.deepEqual(await list({ tags: ['red', 'nope'] }), []);
        assert.deepEqual(await list({ tags: [] }), ['run_c1', 'run_b2', 'run_b1', 'run_a2', 'run_a1']);
        assert.deepEqual(await list({ batchId: 'batch_1' }), ['run_b1', 'run_a2']);
        assert.deepEqual(await list({ scheduleId: 'sched_1' }), ['run_b2']);
        assert.deepEqual(await list({ scheduleId: 'sched_2', tags: ['big'] }), ['run_a1']);
        assert.deepEqual(await list({ scheduleId: 'sched_none' }), []);
        assert.deepEqual(await list({ parentRunId: 'run_a1' }), ['run_c1', 'run_b1']);
        assert.deepEqual(await list({ parentRunId: 'run_c1', tags: ['old'] }), ['run_b2']);
        assert.deepEqual(await list({ parentRunId: 'run_b2' }), []);
        assert.deepEqual(await list({ runIds: ['run_a1', 'run_c1', 'run_zz'] }), ['run_c1', 'run_a1']);
        assert.deepEqual(await list({ runIds: [] }), []);
        assert.deepEqual(await list({ createdAfter: iso(3000) }), ['run_c1', 'run_b2', 'run_b1']);
        assert.deepEqual(await list({ tags: ['big'], taskIdentifier: ['beta'], status: ['QUEUED'] }), ['run_b2']);
      });

      it('paginates by the last run id of the previous page', async () => {
        const seen: string[] = [];
        let after: string | undefined;
        for (let pageNo = 0; pageNo < 10; pageNo++) {
          const page = await store.listRuns({}, after === undefined ? { size: 2 } : { size: 2, after });
          if (page.length === 0) break;
          assert.ok(page.length <= 2);
          seen.push(...ids(page));
          after = page.at(-1)?.run.id;
        }
        assert.deepEqual(seen, ['run_c1', 'run_b2', 'run_b1', 'run_a2', 'run_a1']);
        assert.deepEqual(ids(await store.listRuns({ tags: ['red'] }, { size: 1, after: 'run_b2' })), ['run_a2']);
        assert.deepEqual(await store.listRuns({}, { size: 5, after: 'run_unknown' }), []);
      });

      it('snapshots in lastSeq order with a limit', async () => {
        await store.write([setStatus('run_a1', 'DEQUEUED')]);
        const snap = await store.snapshot({}, 100);
        assert.deepEqual(ids(snap), ['run_b2', 'run_c1', 'run_a2', 'run_b1', 'run_a1']);
        for (let i = 1; i < snap.length; i++) assert.ok(snap[i]!.lastSeq > snap[i - 1]!.lastSeq);
        assert.deepEqual(ids(await store.snapshot({ tags: ['red'] }, 2)), ['run_b2', 'run_a2']);
      });

      it('finds a run by task and idempotency key', async () => {
        const r = record({ task: 'alpha', idempotencyKey: 'key-1' });
        await createAll(store, [r]);
        assert.equal((await store.findByIdempotencyKey('alpha', 'key-1'))?.run.id, r.run.id);
        assert.equal(await store.findByIdempotencyKey('beta', 'key-1'), undefined);
        assert.equal(await store.findByIdempotencyKey('alpha', 'key-2'), undefined);
      });

      it('replays events after a seq, filtered on the current tags, batch, status and task', async () => {
        const head = await store.headSeq();
        const all = await store.eventsAfter(0, {}, 100);
        assert.equal(all.length, 7);
        assert.equal(all.at(-1)?.seq, head);
        const of = (events: RunEvent[]) => events.map((e) => `${e.runId}:${e.type}`);
        assert.deepEqual(of(await store.eventsAfter(0, { batchId: 'batch_1' }, 100)), ['run_a2:created', 'run_b1:created', 'run_a2:status', 'run_b1:status']);
        assert.deepEqual(of(await store.eventsAfter(0, { runIds: ['run_b1'] }, 100)), ['run_b1:created', 'run_b1:status']);
        assert.deepEqual(of(await store.eventsAfter(0, { status: ['FAILED'] }, 100)), ['run_b1:created', 'run_b1:status']);
        assert.deepEqual(of(await store.eventsAfter(0, { taskIdentifier: ['gamma'] }, 100)), ['run_c1:created']);
        assert.deepEqual(of(await store.eventsAfter(0, { tags: ['red', 'big'] }, 100)), ['run_a1:created', 'run_b2:created']);
        // Tagging a run later makes its earlier events match a tag feed (filters use current tags).
        const [res] = await store.write([{ kind: 'update', runId: 'run_c1', apply: (r) => withTags(r, ['red', 'big'], iso(9000), 10) }]);
        const tagEvent = eventOf(res);
        assert.deepEqual(tagEvent.tags, ['red', 'big']);
        assert.deepEqual(of(await store.eventsAfter(0, { tags: ['red', 'big'] }, 100)), ['run_a1:created', 'run_b2:created', 'run_c1:created', 'run_c1:tags']);
        const since = await store.eventsAfter(head, { tags: ['red'] }, 100);
        assert.deepEqual(of(since), ['run_c1:tags']);
        assert.equal(since[0]?.seq, tagEvent.seq);
        const limited = await store.eventsAfter(0, {}, 3);
        assert.deepEqual(
          limited.map((e) => e.seq),
          all.slice(0, 3).map((e) => e.seq),
        );
        const batchEvent = (await store.eventsAfter(0, { runIds: ['run_a2'] }, 1))[0];
        assert.equal(batchEvent?.batchId, 'batch_1');
        assert.deepEqual(batchEvent?.tags, ['red']);
      });
    });

    it('claims queued runs oldest first, exactly once across two concurrent claimers', async () => {
      const records = Array.from({ length: 30 }, (_, i) => record({ createdAt: iso(100 + i) }));
      const delayed = record({ delayedUntil: iso(999_999), createdAt: iso(50) }); // DELAYED: never claimed
      await store.write([...records, delayed].map(create));
      const other = fx.second ? await fx.second() : store;
      const now = T0 + 1_000_000;
      const claims = await Promise.all([
        store.claimQueued('node-1', 20, now, 30_000),
        other.claimQueued('node-2', 20, now, 30_000),
        store.claimQueued('node-1', 20, now, 30_000),
      ]);
      const claimed = claims.flat().map((c) => c.record.run.id);
      assert.equal(claimed.length, 30, 'every queued run claimed');
      assert.equal(new Set(claimed).size, 30, 'no run claimed twice');
      assert.ok(!claimed.includes(delayed.run.id));
      for (const batch of claims) {
        const order = batch.map((c) => c.record.run.id);
        assert.deepEqual(order, [...order].sort(), 'oldest first within a claim');
      }
      for (const [i, batch] of claims.entries()) {
        for (const { record: claimedRecord, events } of batch) {
          assert.equal(events.length, 1);
          const e = events[0]!;
          assert.equal(e.type, 'status');
          assert.equal(e.runId, claimedRecord.run.id);
          assert.equal(Run.parse(JSON.parse(e.data)).status, 'DEQUEUED');
          const rec = await store.getRun(e.runId);
          assert.deepEqual(rec, claimedRecord, 'the claimed record is the stored one');
          assert.equal(rec?.run.status, 'DEQUEUED');
          assert.equal(rec?.lockedBy, i === 1 ? 'node-2' : 'node-1');
          assert.equal(rec?.leaseUntil, now + 30_000);
          assert.equal(rec?.lastSeq, e.seq);
        }
      }
      assert.deepEqual(await store.claimQueued('node-1', 10, now, 1000), []);
    });

    it('claims and starts attempts in one transaction, exactly once across concurrent claimers', async () => {
      const records = Array.from({ length: 12 }, (_, i) => record({ createdAt: iso(100 + i) }));
      await store.write(records.map(create));
      const other = fx.second ? await fx.second() : store;
      const now = T0 + 1_000_000;
      const head = await store.headSeq();
      const claims = await Promise.all([
        store.claimQueued('node-1', 5, now, 30_000, { startAttempt: true }),
        other.claimQueued('node-2', 5, now, 30_000, { startAttempt: true }),
        store.claimQueued('node-1', 5, now, 30_000, { startAttempt: true }),
      ]);
      const claimed = claims.flat();
      assert.equal(claimed.length, 12);
      assert.equal(new Set(claimed.map((c) => c.record.run.id)).size, 12, 'no run claimed twice');
      for (const { record: r, events } of claimed) {
        assert.deepEqual(
          events.map((e) => [e.runId, e.type, Run.parse(JSON.parse(e.data)).status]),
          [
            [r.run.id, 'status', 'DEQUEUED'],
            [r.run.id, 'attempt', 'EXECUTING'],
          ],
        );
        assert.equal(events[1]!.seq, events[0]!.seq + 1, 'the two events are adjacent: one transaction');
        const stored = await store.getRun(r.run.id);
        assert.deepEqual(stored, r);
        assert.equal(stored?.run.status, 'EXECUTING');
        assert.equal(stored?.run.attemptCount, 1);
        assert.ok(stored?.run.startedAt);
        assert.equal(stored?.leaseUntil, now + 30_000);
        assert.equal(stored?.lastSeq, events[1]!.seq);
      }
      assert.equal(await store.headSeq(), head + 24, 'two events per run, nothing else');
    });

    it('a claim written with other ops shares their transaction: it takes a run created before it, not one cancelled before it', async () => {
      const waiting = record({ createdAt: iso(10) });
      const cancelled = record({ createdAt: iso(5) });
      await store.write([create(waiting), create(cancelled)]);
      const fresh = record({ createdAt: iso(20) });
      const now = T0 + 1_000_000;
      const claim: WriteOp = { kind: 'claim', node: 'node-1', limit: 5, now, leaseMs: 30_000, startAttempt: true };
      const cancel: WriteOp = { kind: 'update', runId: cancelled.run.id, apply: (r) => withStatus(r, { status: 'CANCELED', now: iso(30) }) };
      const head = await store.headSeq();
      const [cancelResult, createResult, claimResult] = await store.write([cancel, create(fresh), claim]);
      assert.ok(cancelResult?.ok && createResult?.ok && claimResult?.ok);
      const claimed = claimResult.claimed ?? [];
      assert.deepEqual(
        claimed.map((c) => c.record.run.id),
        [waiting.run.id, fresh.run.id],
        'oldest first; the cancelled run is not claimed',
      );
      assert.equal((await store.getRun(cancelled.run.id))?.run.status, 'CANCELED');
      const events = await store.eventsAfter(head, {}, 100);
      assert.deepEqual(
        events.map((e) => [e.runId, Run.parse(JSON.parse(e.data)).status]),
        [
          [cancelled.run.id, 'CANCELED'],
          [fresh.run.id, 'QUEUED'],
          [waiting.run.id, 'DEQUEUED'],
          [waiting.run.id, 'EXECUTING'],
          [fresh.run.id, 'DEQUEUED'],
          [fresh.run.id, 'EXECUTING'],
        ],
        'one commit, in op order',
      );
      assert.deepEqual(
        claimed.flatMap((c) => c.events.map((e) => e.seq)),
        events.slice(2).map((e) => e.seq),
      );
      for (const c of claimed) assert.deepEqual(await store.getRun(c.record.run.id), c.record, 'the claimed record is the stored one');
    });

    it('renews only the leases a node holds, without events, and lists expired leases oldest first', async () => {
      const [r1, r2, r3] = [record({ createdAt: iso(0) }), record({ createdAt: iso(1) }), record({ createdAt: iso(2) })];
      await store.write([r1, r2, r3].map((r) => create(r!)));
      const now = T0 + 10_000;
      await store.claimQueued('node-1', 2, now, 1000);
      await store.claimQueued('node-2', 1, now, 1000);
      const head = await store.headSeq();
      assert.deepEqual(await store.expiredLeases(now + 999, 10), []);
      await store.renewLeases('node-1', [r1!.run.id, r2!.run.id, r3!.run.id, 'run_unknown'], now + 5000);
      await store.renewLeases('node-1', [], now + 9999);
      assert.equal(await store.headSeq(), head, 'renewal writes no event');
      const renewed = await store.getRun(r1!.run.id);
      assert.equal(renewed?.leaseUntil, now + 5000, 'the stored record follows the renewed lease');
      assert.equal(renewed?.lastSeq, head - 2);
      assert.equal((await store.getRun(r3!.run.id))?.leaseUntil, now + 1000, 'another node keeps its lease');
      assert.deepEqual(ids(await store.expiredLeases(now + 1001, 10)), [r3!.run.id]);
      // A later change keeps the renewed lease; a finished run holds none.
      await store.write([setStatus(r1!.run.id, 'EXECUTING'), setStatus(r2!.run.id, 'COMPLETED')]);
      assert.equal((await store.getRun(r1!.run.id))?.leaseUntil, now + 5000);
      assert.deepEqual(ids(await store.expiredLeases(now + 5001, 10)), [r3!.run.id, r1!.run.id]);
      assert.deepEqual(ids(await store.expiredLeases(now + 5001, 1)), [r3!.run.id]);
    });

    it('keeps what a WAITING run waits for across a reopen, drops it when the run resumes, and lists its expired lease', async () => {
      const [r1, r2] = [record({ createdAt: iso(0) }), record({ createdAt: iso(1) })];
      await store.write([r1, r2].map((r) => create(r!)));
      const now = T0 + 10_000;
      await store.claimQueued('node-1', 2, now, 1000, { startAttempt: true });
      const on = { kind: 'runs' as const, runIds: ['run_child_1', 'run_child_2'] };
      const [waited, timed] = await store.write([
        { kind: 'update', runId: r1!.run.id, apply: (r) => withWaiting(r, on, iso(10_001)) },
        { kind: 'update', runId: r2!.run.id, apply: (r) => withWaiting(r, { kind: 'time', until: now + 60_000 }, iso(10_001)) },
      ]);
      assert.equal(eventOf(waited).type, 'status');
      assert.equal(JSON.parse(eventOf(timed).data).status, 'WAITING');
      store = await fx.reopen();
      const stored = await store.getRun(r1!.run.id);
      assert.equal(stored?.run.status, 'WAITING');
      assert.equal(stored?.run.isWaiting, true);
      assert.deepEqual(stored?.waitingOn, on);
      assert.deepEqual((await store.getRun(r2!.run.id))?.waitingOn, { kind: 'time', until: now + 60_000 });
      assert.equal(stored?.lockedBy, 'node-1', 'a waiting run stays held by its node');
      assert.deepEqual(ids(await store.listRuns({ status: ['WAITING'] }, { size: 10 })).sort(), [r1!.run.id, r2!.run.id].sort());
      assert.deepEqual(ids(await store.expiredLeases(now + 1001, 10)).sort(), [r1!.run.id, r2!.run.id].sort(), 'a node that died leaves its waiting runs');
      const [resumed] = await store.write([{ kind: 'update', runId: r1!.run.id, apply: (r) => withResumed(r, iso(10_002)) }]);
      assert.equal(JSON.parse(eventOf(resumed).data).status, 'EXECUTING');
      const after = await store.getRun(r1!.run.id);
      assert.equal(after?.waitingOn, undefined);
      assert.equal(after?.lockedBy, 'node-1');
      const [again] = await store.write([{ kind: 'update', runId: r1!.run.id, apply: (r) => withResumed(r, iso(10_003)) }]);
      assert.equal(ok(again).event, undefined, 'resuming a run that is not waiting changes nothing');
      const [ended] = await store.write([setStatus(r2!.run.id, 'CANCELED')]);
      assert.equal(JSON.parse(eventOf(ended).data).status, 'CANCELED');
      assert.equal((await store.getRun(r2!.run.id))?.waitingOn, undefined);
    });

    it('respects delayedUntil on QUEUED runs', async () => {
      const r = record({ createdAt: iso(0) });
      const later: RunRecord = { ...r, run: { ...r.run, delayedUntil: iso(60_000) } };
      await createAll(store, [later]);
      assert.deepEqual(await store.claimQueued('n', 5, T0 + 59_999, 1000), []);
      const claimed = await store.claimQueued('n', 5, T0 + 60_000, 1000);
      assert.deepEqual(
        claimed.map((c) => c.record.run.id),
        [r.run.id],
      );
    });

    it('records a token hash once', async () => {
      assert.equal(await store.useTokenOnce('hash-1', T0 + 60_000), true);
      assert.equal(await store.useTokenOnce('hash-1', T0 + 60_000), false);
      assert.equal(await store.useTokenOnce('hash-2', T0 + 60_000), true);
      store = await fx.reopen();
      assert.equal(await store.useTokenOnce('hash-1', T0 + 60_000), false);
    });

    it('prunes spent records: used token hashes once expired, wait tokens settled before the age; never a waiting token', async () => {
      await store.useTokenOnce('hash-old', T0 + 1000);
      await store.useTokenOnce('hash-live', T0 + 60_000);
      const waitToken = (id: string): WaitTokenRecord => ({ id, status: 'WAITING', createdAt: T0, tags: [], callbackSecret: `s-${id}` });
      for (const id of ['waitpoint_done', 'waitpoint_late', 'waitpoint_timedout', 'waitpoint_waiting']) await store.createToken(waitToken(id), T0);
      await store.settleToken('waitpoint_done', { status: 'COMPLETED', output: '{"ok":true}' }, T0 + 1000);
      await store.settleToken('waitpoint_timedout', { status: 'TIMED_OUT' }, T0 + 2000);
      await store.settleToken('waitpoint_late', { status: 'COMPLETED' }, T0 + 9000);

      // Only expired hashes without an age; one record per call with limit 1.
      assert.equal(await store.pruneSpent(T0 + 5000, undefined, 1), 1);
      assert.equal(await store.pruneSpent(T0 + 5000, undefined, 1), 0);
      assert.equal(await store.useTokenOnce('hash-live', T0 + 60_000), false, 'a token that has not expired stays used');
      assert.equal(await store.useTokenOnce('hash-old', T0 + 1000), true, 'the expired hash went (its token is refused as expired first)');
      assert.ok(await store.getToken('waitpoint_done'), 'no age: settled tokens stay');

      // Settled before 5 s: done and timed out; late settled after it, waiting never goes.
      assert.equal(await store.pruneSpent(T0 + 5000, T0 + 5000, 100), 3, 'hash-old again and two settled tokens');
      assert.equal(await store.getToken('waitpoint_done'), undefined);
      assert.equal(await store.getToken('waitpoint_timedout'), undefined);
      assert.equal((await store.getToken('waitpoint_late'))?.status, 'COMPLETED');
      assert.equal((await store.getToken('waitpoint_waiting'))?.status, 'WAITING');
      assert.equal(await store.pruneSpent(T0 + 10 ** 12, T0 + 10 ** 12, 100), 2, 'later: hash-live and the late token');
      assert.equal((await store.getToken('waitpoint_waiting'))?.status, 'WAITING');
      store = await fx.reopen();
      assert.equal((await store.getToken('waitpoint_waiting'))?.status, 'WAITING');
    });

    describe('wait tokens', () => {
      const token = (id: string, extra: Partial<WaitTokenRecord> = {}): WaitTokenRecord => ({
        id,
        status: 'WAITING',
        createdAt: T0,
        tags: [],
        callbackSecret: `secret-${id}`,
        ...extra,
      });

      it('keeps a token across a reopen, with every field', async () => {
        const t = token('waitpoint_a', {
          timeoutAt: T0 + 5000,
          idempotencyKey: 'k',
          idempotencyKeyExpiresAt: T0 + 9000,
          tags: ['user:1', 'org:2', 'user:1'],
        });
        assert.deepEqual(await store.createToken(t, T0), { token: { ...t, tags: ['user:1', 'org:2'] }, isCached: false });
        store = await fx.reopen();
        assert.deepEqual(await store.getToken('waitpoint_a'), { ...t, tags: ['user:1', 'org:2'] });
        assert.equal(await store.getToken('waitpoint_none'), undefined);
      });

      it('an idempotency key finds its token until the key expires', async () => {
        await store.createToken(token('waitpoint_1', { idempotencyKey: 'k', idempotencyKeyExpiresAt: T0 + 1000 }), T0);
        const again = await store.createToken(token('waitpoint_2', { idempotencyKey: 'k' }), T0 + 999);
        assert.equal(again.isCached, true);
        assert.equal(again.token.id, 'waitpoint_1');
        assert.equal(await store.getToken('waitpoint_2'), undefined);
        const fresh = await store.createToken(token('waitpoint_3', { idempotencyKey: 'k', createdAt: T0 + 1000 }), T0 + 1000);
        assert.deepEqual([fresh.isCached, fresh.token.id], [false, 'waitpoint_3']);
        // Without an expiry the newest token keeps the key.
        const cached = await store.createToken(token('waitpoint_4', { idempotencyKey: 'k' }), T0 + 50_000);
        assert.deepEqual([cached.isCached, cached.token.id], [true, 'waitpoint_3']);
      });

      it('the first settlement wins; a later one changes nothing and sees the first', async () => {
        await store.createToken(token('waitpoint_s'), T0);
        const [a, b] = await Promise.all([
          store.settleToken('waitpoint_s', { status: 'COMPLETED', output: '{"n":1}' }, T0 + 10),
          store.settleToken('waitpoint_s', { status: 'COMPLETED', output: '{"n":2}' }, T0 + 20),
        ]);
        assert.deepEqual([a?.settled, b?.settled], [true, false]);
        assert.equal(b?.token.output, '{"n":1}');
        assert.equal(b?.token.status, 'COMPLETED');
        assert.equal(b?.token.completedAt, T0 + 10);
        const late = await store.settleToken('waitpoint_s', { status: 'TIMED_OUT' }, T0 + 30);
        assert.deepEqual([late?.settled, late?.token.status], [false, 'COMPLETED']);
        assert.equal(await store.settleToken('waitpoint_none', { status: 'TIMED_OUT' }, T0), undefined);
        store = await fx.reopen();
        assert.equal((await store.getToken('waitpoint_s'))?.output, '{"n":1}');
      });

      it('times out the WAITING tokens that are due, and only those', async () => {
        await store.createToken(token('waitpoint_due', { timeoutAt: T0 + 100 }), T0);
        await store.createToken(token('waitpoint_later', { timeoutAt: T0 + 200 }), T0);
        await store.createToken(token('waitpoint_done', { timeoutAt: T0 + 100 }), T0);
        await store.createToken(token('waitpoint_never'), T0);
        await store.settleToken('waitpoint_done', { status: 'COMPLETED' }, T0 + 50);
        assert.deepEqual(await store.timeOutDueTokens(T0 + 100), ['waitpoint_due']);
        assert.deepEqual(await store.timeOutDueTokens(T0 + 100), []);
        const due = await store.getToken('waitpoint_due');
        assert.deepEqual([due?.status, due?.completedAt, due?.output], ['TIMED_OUT', T0 + 100, undefined]);
        assert.equal((await store.getToken('waitpoint_later'))?.status, 'WAITING');
        assert.equal((await store.getToken('waitpoint_done'))?.status, 'COMPLETED');
      });

      it('lists newest first with every filter, and paginates', async () => {
        await store.createToken(token('waitpoint_l1', { createdAt: T0 + 1, tags: ['a', 'b'] }), T0);
        await store.createToken(token('waitpoint_l2', { createdAt: T0 + 2, tags: ['a'], idempotencyKey: 'ik' }), T0);
        await store.createToken(token('waitpoint_l3', { createdAt: T0 + 3 }), T0);
        await store.settleToken('waitpoint_l3', { status: 'COMPLETED' }, T0 + 4);
        const idsOf = (ts: WaitTokenRecord[]): string[] => ts.map((t) => t.id);
        assert.deepEqual(idsOf(await store.listTokens({}, { size: 10 })), ['waitpoint_l3', 'waitpoint_l2', 'waitpoint_l1']);
        assert.deepEqual(idsOf(await store.listTokens({ status: ['WAITING'] }, { size: 10 })), ['waitpoint_l2', 'waitpoint_l1']);
        assert.deepEqual(idsOf(await store.listTokens({ tags: ['a'] }, { size: 10 })), ['waitpoint_l2', 'waitpoint_l1']);
        assert.deepEqual(idsOf(await store.listTokens({ tags: ['a', 'b'] }, { size: 10 })), ['waitpoint_l1']);
        assert.deepEqual(idsOf(await store.listTokens({ idempotencyKey: 'ik' }, { size: 10 })), ['waitpoint_l2']);
        assert.deepEqual(idsOf(await store.listTokens({ createdAfter: T0 + 2 }, { size: 10 })), ['waitpoint_l3', 'waitpoint_l2']);
        assert.deepEqual(idsOf(await store.listTokens({}, { size: 2 })), ['waitpoint_l3', 'waitpoint_l2']);
        assert.deepEqual(idsOf(await store.listTokens({}, { size: 2, after: 'waitpoint_l2' })), ['waitpoint_l1']);
      });
    });

    describe('schedules', () => {
      const schedule = (id: string, extra: Partial<ScheduleRecord> = {}): ScheduleRecord => ({
        id,
        type: 'IMPERATIVE',
        taskIdentifier: 'task-a',
        cron: '0 * * * *',
        timezone: 'UTC',
        active: true,
        deduplicationKey: `key-${id}`,
        userDeduplicationKey: false,
        createdAt: T0,
        updatedAt: T0,
        nextTickAt: T0 + 3_600_000,
        ...extra,
      });

      it('keeps a schedule across a reopen, with every field', async () => {
        const s = schedule('sched_a', { externalId: 'user_1', userDeduplicationKey: true, lastTickAt: T0 - 60_000, timezone: 'Europe/Paris' });
        assert.deepEqual(await store.upsertSchedule(s), { schedule: s, created: true });
        store = await fx.reopen();
        assert.deepEqual(await store.getSchedule('sched_a'), s);
        assert.equal(await store.getSchedule('sched_none'), undefined);
        const bare = schedule('sched_b', { type: 'DECLARATIVE', active: false, nextTickAt: undefined });
        delete bare.nextTickAt;
        await store.upsertSchedule(bare);
        assert.deepEqual(await store.getSchedule('sched_b'), bare);
      });

      it('an upsert with an existing deduplication key updates that schedule and keeps its id, type, state and history', async () => {
        await store.upsertSchedule(schedule('sched_1', { deduplicationKey: 'k', lastTickAt: T0 - 1 }));
        const again = await store.upsertSchedule(
          schedule('sched_2', {
            deduplicationKey: 'k',
            type: 'DECLARATIVE',
            cron: '*/5 * * * *',
            timezone: 'Asia/Tokyo',
            externalId: 'x',
            updatedAt: T0 + 5,
            nextTickAt: T0 + 300_000,
          }),
        );
        assert.equal(again.created, false);
        assert.deepEqual(again.schedule, {
          ...schedule('sched_1', { deduplicationKey: 'k', lastTickAt: T0 - 1 }),
          cron: '*/5 * * * *',
          timezone: 'Asia/Tokyo',
          externalId: 'x',
          updatedAt: T0 + 5,
          nextTickAt: T0 + 300_000,
        });
        assert.equal(await store.getSchedule('sched_2'), undefined);
        // An inactive schedule stays without a next tick.
        await store.updateSchedule('sched_1', { active: false, nextTickAt: null, updatedAt: T0 + 6 });
        const inactive = await store.upsertSchedule(schedule('sched_3', { deduplicationKey: 'k', updatedAt: T0 + 7 }));
        assert.deepEqual([inactive.schedule.id, inactive.schedule.active, inactive.schedule.nextTickAt], ['sched_1', false, undefined]);
      });

      it('concurrent upserts of one key make one schedule', async () => {
        const other = fx.second ? await fx.second() : store;
        const results = await Promise.all([
          store.upsertSchedule(schedule('sched_c1', { deduplicationKey: 'same' })),
          other.upsertSchedule(schedule('sched_c2', { deduplicationKey: 'same' })),
          store.upsertSchedule(schedule('sched_c3', { deduplicationKey: 'same' })),
        ]);
        assert.equal(results.filter((r) => r.created).length, 1);
        assert.equal(new Set(results.map((r) => r.schedule.id)).size, 1);
        assert.equal((await store.listSchedules({}, 0, 10)).total, 1);
      });

      it('updates and deletes by id', async () => {
        await store.upsertSchedule(schedule('sched_u'));
        const updated = await store.updateSchedule('sched_u', {
          cron: '5 4 * * *',
          timezone: 'America/New_York',
          externalId: 'e',
          taskIdentifier: 'task-b',
          updatedAt: T0 + 9,
          nextTickAt: T0 + 7,
        });
        assert.deepEqual(updated, {
          ...schedule('sched_u'),
          cron: '5 4 * * *',
          timezone: 'America/New_York',
          externalId: 'e',
          taskIdentifier: 'task-b',
          updatedAt: T0 + 9,
          nextTickAt: T0 + 7,
        });
        const off = await store.updateSchedule('sched_u', { active: false, nextTickAt: null, updatedAt: T0 + 10 });
        assert.deepEqual([off?.active, off?.nextTickAt], [false, undefined]);
        assert.equal(await store.updateSchedule('sched_none', { active: true, updatedAt: T0 }), undefined);
        assert.equal(await store.deleteSchedule('sched_u'), true);
        assert.equal(await store.deleteSchedule('sched_u'), false);
        assert.equal(await store.getSchedule('sched_u'), undefined);
      });

      it('lists newest first with a type and task filter, by offset, with the total', async () => {
        await store.upsertSchedule(schedule('sched_l1', { createdAt: T0 + 1 }));
        await store.upsertSchedule(schedule('sched_l2', { createdAt: T0 + 2, type: 'DECLARATIVE', taskIdentifier: 'task-b' }));
        await store.upsertSchedule(schedule('sched_l3', { createdAt: T0 + 3 }));
        const idsOf = (r: { schedules: ScheduleRecord[]; total: number }) => [r.schedules.map((s) => s.id), r.total];
        assert.deepEqual(idsOf(await store.listSchedules({}, 0, 10)), [['sched_l3', 'sched_l2', 'sched_l1'], 3]);
        assert.deepEqual(idsOf(await store.listSchedules({}, 1, 1)), [['sched_l2'], 3]);
        assert.deepEqual(idsOf(await store.listSchedules({}, 3, 10)), [[], 3]);
        assert.deepEqual(idsOf(await store.listSchedules({ type: 'DECLARATIVE' }, 0, 10)), [['sched_l2'], 1]);
        assert.deepEqual(idsOf(await store.listSchedules({ taskIdentifier: 'task-a' }, 0, 10)), [['sched_l3', 'sched_l1'], 2]);
      });

      it('lists due active schedules earliest first; a tick is claimed exactly once across concurrent claimers', async () => {
        await store.upsertSchedule(schedule('sched_d1', { nextTickAt: T0 + 200 }));
        await store.upsertSchedule(schedule('sched_d2', { nextTickAt: T0 + 100 }));
        await store.upsertSchedule(schedule('sched_d3', { nextTickAt: T0 + 5000 }));
        await store.upsertSchedule(schedule('sched_off', { nextTickAt: T0 + 50, active: false }));
        assert.deepEqual(
          (await store.dueSchedules(T0 + 200, 10)).map((s) => s.id),
          ['sched_d2', 'sched_d1'],
        );
        const other = fx.second ? await fx.second() : store;
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).claimScheduleTick('sched_d2', T0 + 100, T0 + 3_600_100, true)),
        );
        assert.equal(claims.filter(Boolean).length, 1);
        const after = await store.getSchedule('sched_d2');
        assert.deepEqual([after?.nextTickAt, after?.lastTickAt], [T0 + 3_600_100, T0 + 100]);
        // A stale tick, an inactive schedule: no claim. A skipped tick moves next without touching last.
        assert.equal(await store.claimScheduleTick('sched_d2', T0 + 100, T0 + 9, true), false);
        assert.equal(await store.claimScheduleTick('sched_off', T0 + 50, T0 + 9, true), false);
        assert.equal(await store.claimScheduleTick('sched_d1', T0 + 200, T0 + 7200, false), true);
        const skipped = await store.getSchedule('sched_d1');
        assert.deepEqual([skipped?.nextTickAt, skipped?.lastTickAt], [T0 + 7200, undefined]);
        assert.deepEqual(
          (await store.dueSchedules(T0 + 200, 10)).map((s) => s.id),
          [],
        );
      });
    });

    it('prunes finished runs by age and by count, oldest first, with their tags, events and chunks; never an unfinished run', async () => {
      const at = (s: number) => iso(s * 1000);
      const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((s) => record({ tags: ['old'], createdAt: at(s) })) as [
        RunRecord,
        RunRecord,
        RunRecord,
        RunRecord,
        RunRecord,
      ];
      await createAll(store, [a, b, c, d, e]);
      await store.write([{ kind: 'batch', batchId: 'batch_p', runIds: [b.run.id, c.run.id], createdAt: at(2) }]);
      await store.write([
        { kind: 'chunks', runId: a.run.id, key: 'out', bodies: ['"x"', '"y"'] },
        { kind: 'chunks', runId: c.run.id, key: 'out', bodies: ['"z"'] },
      ]);
      for (const r of [a, b, d, e]) await store.write([setStatus(r.run.id, 'EXECUTING'), setStatus(r.run.id, 'COMPLETED')]);
      await store.write([setStatus(c.run.id, 'EXECUTING')]);
      const head = await store.headSeq();

      assert.equal(await store.pruneRuns({}, 100), 0, 'an empty policy removes nothing');
      // Created before 3.5 s: a, b (c is older than that too, but still running).
      assert.equal(await store.pruneRuns({ createdBefore: T0 + 3500 }, 100), 2);
      for (const gone of [a, b]) {
        assert.equal(await store.getRun(gone.run.id), undefined);
        assert.deepEqual(await store.runHistory(gone.run.id, 100), []);
      }
      assert.deepEqual(await store.chunksAfter(a.run.id, 'out', -1, 10), []);
      assert.deepEqual(
        (await store.chunksAfter(c.run.id, 'out', -1, 10)).map((x) => x.body),
        ['"z"'],
      );
      const left = new Set((await store.eventsAfter(0, {}, 1000)).map((ev) => ev.runId));
      assert.deepEqual([...left].sort(), ids([c, d, e]).sort());
      assert.deepEqual(ids(await store.listRuns({ tags: ['old'] }, { size: 10 })), ids([e, d, c]));
      assert.equal(await store.headSeq(), head, 'the head seq stays: feeds resume where they were');

      // Keep the newest 1: d goes (c is running), one per call with limit 1.
      assert.equal(await store.pruneRuns({ keepNewest: 1 }, 1), 1);
      assert.equal(await store.pruneRuns({ keepNewest: 1 }, 1), 0);
      assert.deepEqual(ids(await store.listRuns({}, { size: 10 })), ids([e, c]));
      await store.reclaim?.(1000);
      store = await fx.reopen();
      assert.deepEqual(ids(await store.listRuns({}, { size: 10 })), ids([e, c]));
      const [res] = await store.write([setStatus(c.run.id, 'COMPLETED')]);
      assert.ok(eventOf(res).seq > head);
    });

    it('re-opens idempotently: migrations run once, data and seqs continue', async () => {
      const r = record({ tags: ['keep'] });
      await createAll(store, [r]);
      await store.write([setStatus(r.run.id, 'DEQUEUED')]);
      const head = await store.headSeq();
      store = await fx.reopen();
      store = await fx.reopen();
      assert.equal(await store.headSeq(), head);
      const again = await store.getRun(r.run.id);
      assert.equal(again?.run.status, 'DEQUEUED');
      assert.equal(again?.lastSeq, head);
      assert.deepEqual(ids(await store.listRuns({ tags: ['keep'] }, { size: 10 })), [r.run.id]);
      const [res] = await store.write([setStatus(r.run.id, 'EXECUTING')]);
      assert.ok(eventOf(res).seq > head);
    });
  });
}
