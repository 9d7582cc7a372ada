import assert from 'node:assert/strict';
import { newRunRecord } from '../../../../src/engine/runs/model';
import { IdempotencyKeyTaken, StoreRefusal, type RunRecord, type RunStore, type WriteResult } from '../../../../src/engine/store/types';
import type { StoreFactory, StoreFixture } from './conformance';

const T0 = Date.parse('2032-01-01T00:00:00.000Z');
let counter = 0;

function keyed(o: { key: string; task?: string; at: number; expiresAt?: number }): RunRecord {
  counter++;
  return newRunRecord({
    id: `run_i${String(counter).padStart(6, '0')}`,
    taskIdentifier: o.task ?? 'task-i',
    idempotencyKey: o.key,
    idempotencyKeyExpiresAt: o.expiresAt,
    maxAttempts: 1,
    number: counter,
    now: new Date(T0 + o.at).toISOString(),
  });
}

/** Idempotency keys in the store: a key finds the newest run of its task until the key expires. */
export function describeIdempotencyConformance(name: string, factory: StoreFactory): void {
  describe(`RunStore idempotency keys: ${name}`, function () {
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

    it('a key finds its run until it expires, then a newer run with the same key; per task; kept across a reopen', async () => {
      const first = keyed({ key: 'k', at: 0, expiresAt: T0 + 1000 });
      const other = keyed({ key: 'k', task: 'other-task', at: 1 });
      await store.write([first, other].map((record) => ({ kind: 'create', record })));
      store = await fx.reopen();
      assert.equal((await store.getRun(first.run.id))?.idempotencyKeyExpiresAt, T0 + 1000);
      assert.equal((await store.findByIdempotencyKey('task-i', 'k', T0 + 999))?.run.id, first.run.id);
      assert.equal(await store.findByIdempotencyKey('task-i', 'k', T0 + 1000), undefined, 'expired at its time');
      const second = keyed({ key: 'k', at: 2000, expiresAt: T0 + 5000 });
      await store.write([{ kind: 'create', record: second }]);
      assert.equal((await store.findByIdempotencyKey('task-i', 'k', T0 + 2500))?.run.id, second.run.id);
      assert.equal(await store.findByIdempotencyKey('task-i', 'k', T0 + 5000), undefined);
      assert.equal((await store.findByIdempotencyKey('other-task', 'k', T0 + 10 ** 12))?.run.id, other.run.id, 'a key without expiry never expires');
      assert.equal(await store.findByIdempotencyKey('task-i', 'nope', T0), undefined);
    });

    it('creates one run per live key: a second create with it is refused naming the holder, also in one group and across nodes', async () => {
      const far = T0 + 10 ** 9;
      const a = keyed({ key: 'race', at: 0, expiresAt: far });
      const b = keyed({ key: 'race', at: 1, expiresAt: far });
      const [ra, rb] = await store.write([a, b].map((record) => ({ kind: 'create', record })));
      assert.ok(ra?.ok);
      assert.ok(rb && !rb.ok && rb.error instanceof IdempotencyKeyTaken && rb.error.runId === a.run.id, 'in one group: the second names the first');
      assert.equal(await store.getRun(b.run.id), undefined);

      const other = fx.second ? await fx.second() : store;
      const c = keyed({ key: 'race-2', at: 2, expiresAt: far });
      const d = keyed({ key: 'race-2', at: 3, expiresAt: far });
      const results: WriteResult[] = (await Promise.all([store.write([{ kind: 'create', record: c }]), other.write([{ kind: 'create', record: d }])])).flat();
      assert.equal(results.filter((r) => r.ok).length, 1, 'exactly one of two concurrent creates wins');
      const lost = results.find((r) => !r.ok);
      assert.ok(lost && !lost.ok && lost.error instanceof StoreRefusal, 'the other is refused');
      assert.ok(lost.error instanceof IdempotencyKeyTaken || lost.error.code === 'idempotency_busy', lost.error.message);
      const winner = results[0]!.ok ? c : d;
      const [again] = await store.write([{ kind: 'create', record: keyed({ key: 'race-2', at: 4 }) }]);
      assert.ok(again && !again.ok && again.error instanceof IdempotencyKeyTaken && again.error.runId === winner.run.id, 'a later create names the winner');

      const expired = keyed({ key: 'old', at: 0, expiresAt: T0 + 10 });
      const fresh = keyed({ key: 'old', at: 20 });
      const created = await store.write([expired, fresh].map((record) => ({ kind: 'create', record })));
      assert.ok(
        created.every((r) => r.ok),
        'an expired key does not hold a new run back',
      );
    });
  });
}
