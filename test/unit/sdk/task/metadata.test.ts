import assert from 'node:assert/strict';
import type { MetadataOperation } from '../../../../src/protocol/api';
import { applyMetadataOperations as engineApply } from '../../../../src/engine/runs/metadata';
import { MetadataManager, MetadataTooLargeError, type MetadataTarget } from '../../../../src/sdk/task/metadataManager';
import { applyMetadataOperation, collapseMetadataOperations } from '../../../../src/shared/metadata';
import type { JsonObject } from '../../../../src/shared/json';
import { AttemptRuntime, runWithRuntime, type RuntimeTransport } from '../../../../src/sdk/task/runtime';
import { metadata } from '../../../../src/sdk';

function apply(start: JsonObject, ops: readonly MetadataOperation[]): JsonObject {
  let out = structuredClone(start);
  for (const op of ops) out = applyMetadataOperation(out, op);
  return out;
}

/** A small deterministic PRNG (mulberry32) so the randomised cases are the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomOps(rand: () => number, n: number): MetadataOperation[] {
  const keys = ['a', 'b', '$.a', '$.a.x', '$.a.y', '$.b.c', '$.b', 'c'];
  const values = [1, 2, 'v', null, [1], { x: 1 }, true];
  const pick = <T>(xs: readonly T[]): T => structuredClone(xs[Math.floor(rand() * xs.length)]!);
  const ops: MetadataOperation[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const key = pick(keys);
    if (r < 0.3) ops.push({ type: 'set', key, value: pick(values) });
    else if (r < 0.45) ops.push({ type: 'increment', key, value: Math.floor(rand() * 5) - 2 });
    else if (r < 0.6) ops.push({ type: 'delete', key });
    else if (r < 0.75) ops.push({ type: 'append', key, value: pick(values) });
    else if (r < 0.9) ops.push({ type: 'remove', key, value: pick(values) });
    else ops.push({ type: 'update', value: { a: { x: 1 }, z: pick(values) } });
  }
  return ops;
}

class FakeTransport implements RuntimeTransport {
  sent: Array<{ at: number; target: MetadataTarget; ops: MetadataOperation[] }> = [];
  fail: string | undefined;
  delayMs = 0;
  async sendMetadata(target: MetadataTarget, ops: MetadataOperation[]): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.fail) throw new Error(this.fail);
    this.sent.push({ at: performance.now(), target, ops });
  }
  async sendChunks(): Promise<void> {}
  async sendTags(): Promise<void> {}
  log(): void {}
}

describe('SDK metadata', () => {
  describe('operations', () => {
    it('applies like the engine does (paths, append/remove, increment on missing keys, update)', () => {
      const ops: MetadataOperation[] = [
        { type: 'set', key: 'status', value: 'x' },
        { type: 'set', key: '$.a.b.c', value: 1 },
        { type: 'increment', key: 'n', value: 2 },
        { type: 'increment', key: '$.a.count', value: 3 },
        { type: 'append', key: 'list', value: 'p' },
        { type: 'append', key: 'list', value: { q: 1 } },
        { type: 'append', key: 'status', value: 'y' },
        { type: 'remove', key: 'list', value: 'p' },
        { type: 'delete', key: '$.a.b' },
        { type: 'set', key: 'a.b', value: 'dotted key, not a path' },
      ];
      const expected = { status: ['x', 'y'], a: { count: 3 }, n: 2, list: [{ q: 1 }], 'a.b': 'dotted key, not a path' };
      assert.deepEqual(apply({}, ops), expected);
      assert.deepEqual(engineApply({}, ops), expected);
      assert.deepEqual(apply({ keep: 1 }, [{ type: 'update', value: { only: true } }]), { only: true });
    });

    it('collapses sets, deletes and increments without changing the result or the order', () => {
      const ops: MetadataOperation[] = [
        { type: 'set', key: 'status', value: 'a' },
        { type: 'increment', key: 'n', value: 1 },
        { type: 'increment', key: 'n', value: 1 },
        { type: 'set', key: 'status', value: 'b' },
        { type: 'append', key: 'log', value: 1 },
        { type: 'increment', key: 'n', value: 3 },
        { type: 'set', key: 'p', value: 10 },
        { type: 'increment', key: 'p', value: 5 },
        { type: 'set', key: '$.o.x', value: 1 },
        { type: 'set', key: '$.o', value: {} },
      ];
      const collapsed = collapseMetadataOperations(ops);
      assert.deepEqual(collapsed, [
        { type: 'increment', key: 'n', value: 5 },
        { type: 'set', key: 'status', value: 'b' },
        { type: 'append', key: 'log', value: 1 },
        { type: 'set', key: 'p', value: 15 },
        { type: 'set', key: '$.o', value: {} },
      ]);
      assert.deepEqual(apply({}, collapsed), apply({}, ops));
      assert.deepEqual(collapseMetadataOperations([...ops, { type: 'update', value: { z: 1 } }]), [{ type: 'update', value: { z: 1 } }]);
      // 10 000 increments become one operation
      const many: MetadataOperation[] = Array.from({ length: 10_000 }, () => ({ type: 'increment', key: 'c', value: 1 }));
      assert.deepEqual(collapseMetadataOperations(many), [{ type: 'increment', key: 'c', value: 10_000 }]);
    });

    it('collapsing never changes the outcome (2000 random sequences)', () => {
      const rand = prng(42);
      let shorter = 0;
      for (let i = 0; i < 2000; i++) {
        const start: JsonObject = rand() < 0.5 ? {} : { a: { x: 5 }, b: 2, c: [1] };
        const ops = randomOps(rand, 1 + Math.floor(rand() * 12));
        const collapsed = collapseMetadataOperations(ops);
        assert.deepEqual(apply(start, collapsed), apply(start, ops), `sequence ${i}: ${JSON.stringify(ops)}`);
        // (the engine stores operation values by reference, so it gets copies)
        assert.deepEqual(engineApply(start, structuredClone(collapsed)), engineApply(start, structuredClone(ops)));
        assert.ok(collapsed.length <= ops.length);
        if (collapsed.length < ops.length) shorter++;
      }
      assert.ok(shorter > 200, `collapsing should shorten many sequences, shortened ${shorter}`);
    });
  });

  describe('MetadataManager', () => {
    it('applies at once, queues, and flushes within the interval (one message per target)', async () => {
      const t = new FakeTransport();
      const m = new MetadataManager({
        initial: { x: 1 },
        send: (target, ops) => t.sendMetadata(target, ops),
        flushIntervalMs: 100,
        hasParent: true,
        hasRoot: false,
      });
      const t0 = performance.now();
      m.set('self', 'a', 1);
      m.increment('self', 'n', 2);
      m.increment('self', 'n', -1);
      m.set('parent', 'p', true);
      m.append('root', 'r', 'x');
      assert.deepEqual(m.snapshot(), { x: 1, a: 1, n: 1, r: ['x'] }, 'root falls back to self when the run is the root');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(t.sent.length, 0, 'nothing before the interval');
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(t.sent.length, 2);
      assert.ok(t.sent[0]!.at - t0 < 160);
      assert.deepEqual(t.sent[0], {
        at: t.sent[0]!.at,
        target: 'self',
        ops: [
          { type: 'set', key: 'a', value: 1 },
          { type: 'increment', key: 'n', value: 1 },
          { type: 'append', key: 'r', value: 'x' },
        ],
      });
      assert.deepEqual(t.sent[1]!.target, 'parent');
    });

    it('flush() sends now and resolves after the ack; sends stay in order; errors reach the flusher', async () => {
      const t = new FakeTransport();
      t.delayMs = 30;
      const m = new MetadataManager({
        initial: {},
        send: (target, ops) => t.sendMetadata(target, ops),
        flushIntervalMs: 10_000,
        hasParent: false,
        hasRoot: false,
      });
      m.set('self', 'k', 1);
      const first = m.flush();
      m.set('self', 'k', 2);
      const second = m.flush();
      await second;
      await first;
      assert.deepEqual(
        t.sent.map((s) => s.ops),
        [[{ type: 'set', key: 'k', value: 1 }], [{ type: 'set', key: 'k', value: 2 }]],
      );
      t.fail = 'refused';
      m.set('self', 'k', 3);
      await assert.rejects(m.flush(), /refused/);
      t.fail = undefined;
      m.set('self', 'k', 4);
      await m.flush();
      assert.deepEqual(t.sent[t.sent.length - 1]!.ops, [{ type: 'set', key: 'k', value: 4 }]);
      await m.close();
    });

    it('throws past 256 KB and keeps the previous state; rejects unsafe keys and non-JSON', () => {
      const m = new MetadataManager({ initial: {}, send: async () => undefined, hasParent: false, hasRoot: false, flushIntervalMs: 60_000 });
      m.set('self', 'a', 'x'.repeat(200 * 1024));
      assert.throws(() => m.set('self', 'b', 'y'.repeat(100 * 1024)), MetadataTooLargeError);
      assert.deepEqual(Object.keys(m.snapshot()), ['a']);
      // replacing the big value with a small one keeps working (the size bound is re-measured)
      for (let i = 0; i < 50; i++) m.set('self', 'a', 'z'.repeat(10 * 1024));
      m.set('self', 'b', 'ok');
      assert.throws(() => m.set('self', '__proto__', 1), /__proto__/);
      assert.throws(() => m.set('self', '$.x.constructor', 1), /constructor/);
      assert.throws(() => m.set('self', 'n', 10n), /not JSON-serialisable/);
      assert.throws(() => m.increment('self', 'n', Number.NaN), /finite/);
      m.set('self', 'big', Number.MAX_VALUE);
      assert.throws(() => m.increment('self', 'big', Number.MAX_VALUE), /^MetadataOverflowError: metadata\.big: incrementing .* which JSON cannot hold$/);
      assert.equal(m.get('big'), Number.MAX_VALUE);
      m.set('self', 'gone', undefined);
      assert.equal(m.snapshot().gone, undefined);
      m.set('self', 'when', new Date(0));
      assert.equal(m.get('when'), '1970-01-01T00:00:00.000Z');
    });
  });

  describe('metadata API', () => {
    it('is chainable, reads back at once, does nothing outside a task', async () => {
      assert.equal(metadata.current(), undefined);
      metadata.set('outside', 1).increment('n');
      const t = new FakeTransport();
      const rt = new AttemptRuntime({
        ctx: {
          run: { id: 'run_1', tags: [], isTest: false, parentTaskRunId: 'run_p' },
          attempt: { id: 'a', number: 1 },
          task: { id: 't' },
          queue: { id: 'task/t', name: 'task/t' },
          environment: { id: 'local', slug: 'dev', type: 'DEVELOPMENT' },
          machine: { name: 'local' },
        },
        transport: t,
        metadata: { start: true },
        flushIntervalMs: 20,
      });
      await runWithRuntime(rt, async () => {
        metadata.set('a', 1).increment('n', 5).decrement('n', 2).append('l', 'x').remove('l', 'x').del('a');
        metadata.parent.set('p', 1).increment('c');
        metadata.root.set('r', 1);
        assert.deepEqual(metadata.current(), { start: true, n: 3, l: [], r: 1 });
        assert.equal(metadata.get('n'), 3);
        metadata.replace({ fresh: 1 });
        assert.deepEqual(metadata.current(), { fresh: 1 });
        await metadata.flush();
      });
      const targets = t.sent.map((s) => s.target).sort();
      assert.deepEqual(targets, ['parent', 'self']);
      assert.deepEqual(t.sent.find((s) => s.target === 'self')!.ops, [{ type: 'update', value: { fresh: 1 } }]);
      assert.deepEqual(t.sent.find((s) => s.target === 'parent')!.ops, [
        { type: 'set', key: 'p', value: 1 },
        { type: 'increment', key: 'c', value: 1 },
      ]);
    });
  });
});
