import assert from 'node:assert/strict';
import { RunStore } from '../../../src/extension/runs/runStore';
import { ids } from '../../../src/extension/tree/model';
import { parseRunQuery } from '../../../src/extension/tree/runQuery';
import { TREE_COALESCE_MS, TreeRefresher, type TreeRefresh } from '../../../src/extension/tree/refresher';
import { fakeTimers } from './fakeTimers';
import { T0, makeRun } from './fixtures';

describe('runs tree refresher', () => {
  const setup = (runs = 300) => {
    const t = fakeTimers();
    const store = new RunStore();
    const all = Array.from({ length: runs }, (_, i) => makeRun({ status: 'EXECUTING', tags: [`t${i % 5}`], updatedAt: new Date(T0 + 1000).toISOString() }));
    store.upsert(all);
    const refresher = new TreeRefresher(store, { pageSize: 1000 }, { timers: t.timers, tickMs: 0, now: () => T0 + 3_600_000 });
    const refreshes: TreeRefresh[] = [];
    refresher.onDidRefresh((r) => refreshes.push(r));
    return { t, store, all, refresher, refreshes };
  };

  it('gathers a burst of run changes into one refresh after the coalescing delay', () => {
    const { t, store, all, refreshes } = setup();
    for (let i = 0; i < 100; i++) store.upsert([{ ...all[i]!, updatedAt: new Date(T0 + 2000 + i).toISOString() }]);
    assert.equal(refreshes.length, 0);
    t.advance(TREE_COALESCE_MS);
    assert.equal(refreshes.length, 1);
  });

  it('fires only the nodes of runs whose look changed, and their groups', () => {
    const { t, store, all, refresher, refreshes } = setup();
    const done = {
      ...all[7]!,
      status: 'COMPLETED' as const,
      isCompleted: true,
      isSuccess: true,
      isExecuting: false,
      updatedAt: new Date(T0 + 5000).toISOString(),
    };
    store.upsert([done]);
    t.advance(TREE_COALESCE_MS);
    const { diff } = refreshes[0]!;
    assert.equal(diff.full, false);
    // The run under Recent and under its tag, plus the tag group and the two top groups whose summary changed.
    assert.ok(diff.changed.length > 0 && diff.changed.length <= 6, `fired ${diff.changed.join(', ')}`);
    for (const id of diff.changed) {
      const isRunNode = id.startsWith('run:') || id.includes(':run:');
      assert.ok(!isRunNode || id.endsWith(done.id), `${id} is not the node of another run`);
    }
    // Firing a node refreshes its subtree: the run under Recent is refreshed by itself or by an ancestor.
    const covered = (id: string | undefined): boolean => id !== undefined && (diff.changed.includes(id) || covered(refresher.current.nodes.get(id)?.parentId));
    assert.ok(covered(ids.run(done.id)), `the run under Recent was refreshed (fired: ${diff.changed.join(', ')})`);
  });

  it('fires nothing when a change leaves every node looking the same', () => {
    const { t, store, all, refreshes } = setup();
    store.upsert([{ ...all[3]!, metadata: { progress: 0.5 }, updatedAt: new Date(T0 + 5000).toISOString() }]);
    t.advance(TREE_COALESCE_MS);
    assert.equal(refreshes.length, 1);
    assert.deepEqual(refreshes[0]!.diff, { full: false, changed: [] });
  });

  it("gives a group's runs as the view shows it: beyond its first page, within the filter", () => {
    const t = fakeTimers();
    const store = new RunStore();
    const tagged = Array.from({ length: 12 }, (_, i) =>
      makeRun({ tags: ['g'], status: i % 3 === 0 ? 'FAILED' : 'EXECUTING', batchId: i < 4 ? 'b1' : undefined }),
    );
    store.upsert([...tagged, makeRun({ tags: ['other'], status: 'FAILED' })]);
    const refresher = new TreeRefresher(store, { pageSize: 5 }, { timers: t.timers, tickMs: 0, now: () => T0 + 3_600_000 });
    assert.equal(refresher.runsOf({ tag: 'g' }).length, 12, 'not only the first page of 5');
    assert.equal(refresher.runsOf({ batchId: 'b1' }).length, 4);
    const parsed = parseRunQuery('status:failed');
    assert.ok(parsed.ok);
    refresher.setFilter(parsed.query);
    assert.deepEqual(
      refresher.runsOf({ tag: 'g' }).map((r) => r.status),
      ['FAILED', 'FAILED', 'FAILED', 'FAILED'],
    );
    refresher.dispose();
  });
});
