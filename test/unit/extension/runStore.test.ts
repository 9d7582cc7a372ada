import assert from 'node:assert/strict';
import { RunStore, type RunChange } from '../../../src/extension/runs/runStore';
import { makeRun } from './fixtures';

describe('RunStore (host copy of the runs)', () => {
  it('adds runs and announces them with no previous state', () => {
    const store = new RunStore();
    const seen: RunChange[][] = [];
    store.onDidChange((c) => seen.push(c));
    const a = makeRun();
    store.upsert([a]);
    assert.equal(store.get(a.id), a);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]![0]!.previous, undefined);
  });

  it('applies a newer version and hands out the previous one', () => {
    const store = new RunStore();
    const a = makeRun({ status: 'EXECUTING', updatedAt: '2026-01-01T00:00:01.000Z' });
    store.upsert([a]);
    const seen: RunChange[] = [];
    store.onDidChange((c) => seen.push(...c));
    const done = { ...a, status: 'COMPLETED' as const, updatedAt: '2026-01-01T00:00:02.000Z' };
    store.upsert([done]);
    assert.equal(store.get(a.id)!.status, 'COMPLETED');
    assert.equal(seen[0]!.previous!.status, 'EXECUTING');
  });

  it('ignores an older version (a slow reconcile page cannot undo a live event)', () => {
    const store = new RunStore();
    const a = makeRun({ status: 'COMPLETED', updatedAt: '2026-01-01T00:00:05.000Z' });
    store.upsert([a]);
    let fired = 0;
    store.onDidChange(() => fired++);
    const changes = store.upsert([{ ...a, status: 'EXECUTING', updatedAt: '2026-01-01T00:00:01.000Z' }]);
    assert.equal(changes.length, 0);
    assert.equal(fired, 0);
    assert.equal(store.get(a.id)!.status, 'COMPLETED');
  });

  it('ignores an identical copy, fires once per batch', () => {
    const store = new RunStore();
    const a = makeRun();
    const b = makeRun();
    let fired = 0;
    store.onDidChange(() => fired++);
    store.upsert([a, b]);
    store.upsert([{ ...a }]);
    assert.equal(fired, 1);
    assert.equal(store.size, 2);
    assert.equal(store.all().length, 2);
  });
});
