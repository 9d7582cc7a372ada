import assert from 'node:assert/strict';
import { newRunRecord, withStatus, withWaiting } from '../../../../src/engine/runs/model';
import type { ClaimReport, RunRecord, RunStore, WriteOp } from '../../../../src/engine/store/types';
import type { StoreFactory, StoreFixture } from './conformance';

const T0 = Date.parse('2031-01-01T00:00:00.000Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();
const NOW = T0 + 1_000_000;

let counter = 0;

/** A queued run of `task`, created at T0 + `at` ms, in `queue` (default: the task's own). */
function run(o: { at: number; task?: string; queue?: string; key?: string; priority?: number }): RunRecord {
  counter++;
  return newRunRecord({
    id: `run_q${String(counter).padStart(6, '0')}`,
    taskIdentifier: o.task ?? 'task-q',
    queue: o.queue,
    concurrencyKey: o.key,
    priority: o.priority,
    maxAttempts: 1,
    number: counter,
    now: iso(o.at),
  });
}

const create = (r: RunRecord): WriteOp => ({ kind: 'create', record: r });
const end = (runId: string): WriteOp => ({ kind: 'update', runId, apply: (r) => withStatus(r, { status: 'COMPLETED', now: iso(999_000) }) });

async function claim(store: RunStore, limit: number, report?: ClaimReport): Promise<string[]> {
  const claimed = await store.claimQueued('node-1', limit, NOW, 30_000, { startAttempt: true, ...(report ? { report } : {}) });
  return claimed.map((c) => c.record.run.id);
}

const idsOf = (runs: RunRecord[]): string[] => runs.map((r) => r.run.id);

/** Queues in the claim: limits per queue and concurrency key, priority order, and runs of full queues passed over. */
export function describeQueueConformance(name: string, factory: StoreFactory): void {
  describe(`RunStore queues: ${name}`, function () {
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

    it('keeps each run’s queue, concurrency key and priority, across a reopen', async () => {
      const own = run({ at: 1, task: 'mine' });
      const shared = run({ at: 2, queue: 'emails', key: 'user-1', priority: 2.5 });
      await store.write([create(own), create(shared)]);
      store = await fx.reopen();
      const a = await store.getRun(own.run.id);
      const b = await store.getRun(shared.run.id);
      assert.equal(a?.run.queue, 'task/mine');
      assert.equal(a?.concurrencyKey, undefined);
      assert.equal(b?.run.queue, 'emails');
      assert.equal(b?.concurrencyKey, 'user-1');
      assert.equal(b?.priority, 2.5);
    });

    it('replaces the queue limits it enforces', async () => {
      assert.deepEqual(await store.queueLimits(), []);
      await store.setQueueLimits([
        { name: 'b', concurrencyLimit: 2 },
        { name: 'a', concurrencyLimit: 1 },
      ]);
      assert.deepEqual(await store.queueLimits(), [
        { name: 'a', concurrencyLimit: 1 },
        { name: 'b', concurrencyLimit: 2 },
      ]);
      await store.setQueueLimits([{ name: 'b', concurrencyLimit: 5 }]);
      store = await fx.reopen();
      assert.deepEqual(await store.queueLimits(), [{ name: 'b', concurrencyLimit: 5 }]);
    });

    it('never starts more runs of a queue than its limit; a run ending frees its slot for the next in order', async () => {
      await store.setQueueLimits([{ name: 'task/task-q', concurrencyLimit: 2 }]);
      const runs = Array.from({ length: 5 }, (_, i) => run({ at: 10 + i }));
      await store.write(runs.map(create));
      const report: ClaimReport = { blocked: false };
      assert.deepEqual(await claim(store, 10, report), idsOf(runs.slice(0, 2)));
      assert.equal(report.blocked, true, 'the claim says runs were passed over');
      assert.deepEqual(await claim(store, 10, report), [], 'the queue is full');
      assert.equal(report.blocked, true);
      await store.write([end(runs[0]!.run.id)]);
      assert.deepEqual(await claim(store, 10), [runs[2]!.run.id]);
      await store.write([end(runs[1]!.run.id), end(runs[2]!.run.id)]);
      assert.deepEqual(await claim(store, 10, report), idsOf(runs.slice(3)));
      assert.equal(report.blocked, false, 'nothing was passed over');
    });

    it('a WAITING run does not hold its slot (as Trigger.dev v4 releases concurrency while waiting)', async () => {
      await store.setQueueLimits([{ name: 'one', concurrencyLimit: 1 }]);
      const [a, b] = [run({ at: 1, queue: 'one' }), run({ at: 2, queue: 'one' })];
      await store.write([create(a!), create(b!)]);
      assert.deepEqual(await claim(store, 5), [a!.run.id]);
      await store.write([{ kind: 'update', runId: a!.run.id, apply: (r) => withWaiting(r, { kind: 'time', until: NOW + 60_000 }, iso(5000)) }]);
      assert.deepEqual(await claim(store, 5), [b!.run.id]);
    });

    it('gives each concurrency key its own copy of the limit; runs without a key share one', async () => {
      await store.setQueueLimits([{ name: 'per-user', concurrencyLimit: 1 }]);
      const a1 = run({ at: 1, queue: 'per-user', key: 'a' });
      const a2 = run({ at: 2, queue: 'per-user', key: 'a' });
      const b1 = run({ at: 3, queue: 'per-user', key: 'b' });
      const none1 = run({ at: 4, queue: 'per-user' });
      const b2 = run({ at: 5, queue: 'per-user', key: 'b' });
      const none2 = run({ at: 6, queue: 'per-user' });
      await store.write([a1, a2, b1, none1, b2, none2].map(create));
      assert.deepEqual(await claim(store, 10), idsOf([a1, b1, none1]));
      await store.write([end(b1.run.id)]);
      assert.deepEqual(await claim(store, 10), [b2.run.id], 'only key b has a free slot');
    });

    it('orders by priority-adjusted time: priority N goes before runs queued less than N seconds earlier', async () => {
      const first = run({ at: 0 });
      const second = run({ at: 9_000 });
      const urgent = run({ at: 10_000, priority: 10 }); // as if queued at 0 s; ties break on id
      const mild = run({ at: 12_000, priority: 2.5 }); // as if queued at 9.5 s
      const last = run({ at: 13_000 });
      await store.write([first, second, urgent, mild, last].map(create));
      assert.deepEqual(await claim(store, 10), idsOf([first, urgent, second, mild, last]));
    });

    it('a queue at its limit does not hold up the runs of other queues behind it, however many runs it has', async () => {
      await store.setQueueLimits([{ name: 'slow', concurrencyLimit: 1 }]);
      const slow = Array.from({ length: 40 }, (_, i) => run({ at: i, queue: 'slow' }));
      const fast = [run({ at: 100, task: 'fast' }), run({ at: 101, task: 'fast' })];
      await store.write([...slow, ...fast].map(create));
      // Two workers idle: the oldest slow run, then (past the 39 others) the oldest fast one.
      assert.deepEqual(await claim(store, 2), [slow[0]!.run.id, fast[0]!.run.id]);
      assert.deepEqual(await claim(store, 5), [fast[1]!.run.id], 'the full queue is passed over at once');
    });

    it('a queue whose limit is 0 starts nothing', async () => {
      await store.setQueueLimits([{ name: 'paused', concurrencyLimit: 0 }]);
      const r = run({ at: 1, queue: 'paused' });
      await store.write([create(r)]);
      const report: ClaimReport = { blocked: false };
      assert.deepEqual(await claim(store, 5, report), []);
      assert.equal(report.blocked, true);
      await store.setQueueLimits([]);
      assert.deepEqual(await claim(store, 5), [r.run.id], 'without a limit it runs');
    });

    it('a claim grouped with other writes reports runs it passed over', async () => {
      await store.setQueueLimits([{ name: 'one', concurrencyLimit: 1 }]);
      const [a, b] = [run({ at: 1, queue: 'one' }), run({ at: 2, queue: 'one' })];
      const [, , result] = await store.write([create(a!), create(b!), { kind: 'claim', node: 'n', limit: 5, now: NOW, leaseMs: 1000, startAttempt: true }]);
      assert.ok(result?.ok);
      assert.deepEqual(
        (result.claimed ?? []).map((c) => c.record.run.id),
        [a!.run.id],
      );
      assert.equal(result.blocked, true);
    });

    it('concurrent claimers (two nodes where the driver allows) never pass a limit together', async () => {
      await store.setQueueLimits([
        { name: 'three', concurrencyLimit: 3 },
        { name: 'keyed', concurrencyLimit: 1 },
      ]);
      const limited = Array.from({ length: 20 }, (_, i) => run({ at: i, queue: 'three' }));
      const keyed = Array.from({ length: 12 }, (_, i) => run({ at: i, queue: 'keyed', key: `k${i % 3}` }));
      const free = Array.from({ length: 6 }, (_, i) => run({ at: 50 + i, task: 'free' }));
      await store.write([...limited, ...keyed, ...free].map(create));
      const other = fx.second ? await fx.second() : store;
      for (let round = 0; round < 3; round++) {
        const claims = await Promise.all([
          store.claimQueued('node-1', 4, NOW, 30_000, { startAttempt: true }),
          other.claimQueued('node-2', 4, NOW, 30_000, { startAttempt: true }),
          store.claimQueued('node-1', 4, NOW, 30_000, { startAttempt: true }),
          other.claimQueued('node-2', 4, NOW, 30_000, { startAttempt: true }),
        ]);
        const ids = claims.flat().map((c) => c.record.run.id);
        assert.equal(new Set(ids).size, ids.length, 'no run claimed twice');
        const executing = await store.listRuns({ status: ['EXECUTING'] }, { size: 100 });
        const inQueue = (q: string) => executing.filter((r) => r.run.queue === q);
        assert.equal(inQueue('three').length, 3, `round ${round}: queue "three" runs exactly its limit`);
        for (const k of ['k0', 'k1', 'k2']) {
          assert.equal(inQueue('keyed').filter((r) => r.concurrencyKey === k).length, 1, `round ${round}: key ${k} runs one`);
        }
        assert.equal(inQueue('task/free').length, 6, 'the unlimited queue is not held back');
        // End every limited run: the next round starts the next ones.
        await store.write([...inQueue('three'), ...inQueue('keyed')].map((r) => end(r.run.id)));
      }
    });
  });
}
