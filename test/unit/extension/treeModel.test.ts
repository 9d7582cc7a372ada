import assert from 'node:assert/strict';
import type { Run } from '../../../src/protocol/run';
import { GROUP_BATCHES, GROUP_RECENT, GROUP_TAGS, buildTree, diffTree, ids, type TreeOptions } from '../../../src/extension/tree/model';
import { T0, makeRun } from './fixtures';

const opts = (over: Partial<TreeOptions> = {}): TreeOptions => ({ now: T0 + 3_600_000, pageSize: 50, ...over });
const childrenLabels = (snap: ReturnType<typeof buildTree>, id: string) => snap.nodes.get(id)!.children.map((c) => snap.nodes.get(c)!.label);

describe('runs tree model', () => {
  it('is empty (so the welcome view shows) when there are no runs', () => {
    const snap = buildTree([], opts());
    assert.deepEqual(snap.roots, []);
  });

  it('groups by tag (a run with two tags under both), by batch, and lists Recent newest first', () => {
    const a = makeRun({ taskIdentifier: 'a', tags: ['t1', 't2'] });
    const b = makeRun({ taskIdentifier: 'b', tags: ['t2'], batchId: 'batch_1' });
    const c = makeRun({ taskIdentifier: 'c', batchId: 'batch_1', status: 'FAILED' });
    const snap = buildTree([a, b, c], opts());
    assert.deepEqual(snap.roots, [GROUP_TAGS, GROUP_BATCHES, GROUP_RECENT]);
    assert.deepEqual(childrenLabels(snap, GROUP_TAGS), ['t1', 't2']);
    assert.deepEqual(snap.nodes.get(ids.tag('t1'))!.children, [ids.tagRun('t1', a.id)]);
    assert.deepEqual(snap.nodes.get(ids.tag('t2'))!.children, [ids.tagRun('t2', b.id), ids.tagRun('t2', a.id)]);
    assert.deepEqual(snap.nodes.get(ids.batch('batch_1'))!.children, [ids.batchRun('batch_1', c.id), ids.batchRun('batch_1', b.id)]);
    assert.deepEqual(snap.nodes.get(GROUP_RECENT)!.children, [ids.run(c.id), ids.run(b.id), ids.run(a.id)]);
    // every node knows its parent (getParent → reveal)
    for (const [id, node] of snap.nodes) {
      if (node.parentId) assert.ok(snap.nodes.get(node.parentId)!.children.includes(id), id);
      else assert.ok(snap.roots.includes(id), id);
    }
  });

  it('shows counts and the most severe child state on group nodes', () => {
    const runs = [makeRun({ batchId: 'b1' }), makeRun({ batchId: 'b1', status: 'FAILED' }), makeRun({ batchId: 'b1', status: 'EXECUTING' })];
    const node = buildTree(runs, opts()).nodes.get(ids.batch('b1'))!;
    assert.equal(node.icon.codicon, 'error');
    assert.equal(node.icon.color, 'testing.iconFailed');
    assert.match(node.description!, /3 runs · 1 running · 1 failed/);
  });

  it('gives run nodes label, description, icon, tooltip and contextValue flags', () => {
    const run = makeRun({ taskIdentifier: 'chat', status: 'EXECUTING', startedAt: new Date(T0).toISOString(), tags: ['x'], error: undefined });
    const node = buildTree([run], opts({ now: T0 + 12_000 })).nodes.get(ids.run(run.id))!;
    assert.equal(node.label, 'chat');
    assert.equal(node.icon.codicon, 'loading~spin');
    assert.match(node.description!, /^Executing · 10s · /);
    assert.match(node.tooltip!, new RegExp(run.id));
    assert.deepEqual(node.contextValue.split(' ').sort(), ['cancelable', 'replayable', 'run']);
    const done = makeRun({ status: 'COMPLETED' });
    assert.deepEqual(buildTree([done], opts()).nodes.get(ids.run(done.id))!.contextValue.split(' ').sort(), ['finished', 'replayable', 'run']);
  });

  it('caps each list with "Show more…" and opens one more page per click', () => {
    const runs = Array.from({ length: 7 }, () => makeRun());
    const snap = buildTree(runs, opts({ pageSize: 3 }));
    const recent = snap.nodes.get(GROUP_RECENT)!;
    assert.equal(recent.children.length, 4);
    assert.equal(recent.children[3], ids.more(GROUP_RECENT));
    assert.equal(snap.nodes.get(ids.more(GROUP_RECENT))!.description, '4 more');
    const more = buildTree(runs, opts({ pageSize: 3, extraPages: new Map([[GROUP_RECENT, 1]]) }));
    assert.equal(more.nodes.get(GROUP_RECENT)!.children.length, 7);
    const all = buildTree(runs, opts({ pageSize: 3, extraPages: new Map([[GROUP_RECENT, 2]]) }));
    assert.equal(all.nodes.get(GROUP_RECENT)!.children.length, 7, 'no Show more once everything is listed');
  });

  it('filters by status and task, and hides old finished runs outside the time window', () => {
    const now = T0 + 10 * 86_400_000;
    const old = makeRun({ createdAt: new Date(T0).toISOString() });
    const oldRunning = makeRun({ createdAt: new Date(T0).toISOString(), status: 'EXECUTING' });
    const fresh = makeRun({ createdAt: new Date(now - 1000).toISOString(), taskIdentifier: 'other', status: 'FAILED' });
    const inWindow = buildTree([old, oldRunning, fresh], opts({ now, windowMs: 86_400_000 }));
    assert.deepEqual(inWindow.nodes.get(GROUP_RECENT)!.children, [ids.run(fresh.id), ids.run(oldRunning.id)]);
    assert.equal(inWindow.executing, 1);
    const byStatus = buildTree([old, oldRunning, fresh], opts({ now, filter: { statuses: ['FAILED'] } }));
    assert.deepEqual(byStatus.nodes.get(GROUP_RECENT)!.children, [ids.run(fresh.id)]);
    const byTask = buildTree([old, oldRunning, fresh], opts({ now, filter: { taskIds: ['chat'] } }));
    assert.equal(byTask.shown, 2);
  });

  it('keeps ids unique when tags contain ":" or "run"', () => {
    const r1 = makeRun({ tags: ['a:run:b', 'a'] });
    const snap = buildTree([r1], opts());
    const idsSeen = [...snap.nodes.keys()];
    assert.equal(new Set(idsSeen).size, idsSeen.length);
    assert.notEqual(ids.tag('a:run:b'), ids.tagRun('a', 'b'));
  });
});

describe('runs tree diff', () => {
  const base = (): Run[] => [makeRun({ tags: ['t'] }), makeRun({ tags: ['t'] }), makeRun({ batchId: 'b' })];

  it('fires everything the first time and when the root list changes', () => {
    const runs = base();
    const a = buildTree(runs, opts());
    assert.deepEqual(diffTree(undefined, a), { full: true, changed: [] });
    const onlyRecent = buildTree([makeRun()], opts());
    assert.equal(diffTree(a, onlyRecent).full, true);
  });

  it('fires nothing when nothing changed', () => {
    const runs = base();
    assert.deepEqual(diffTree(buildTree(runs, opts()), buildTree(runs, opts())), { full: false, changed: [] });
  });

  it('fires only the run nodes whose look changed, and their group when its summary changed', () => {
    const runs = base();
    const before = buildTree(runs, opts());
    const [r0] = runs;
    const changed = runs.map((r) => (r === r0 ? { ...r, status: 'COMPLETED' as const, updatedAt: r.updatedAt } : r));
    // Same status → no change at all.
    assert.deepEqual(diffTree(before, buildTree(changed, opts())).changed, []);
    const failed = runs.map((r) => (r === r0 ? { ...r, status: 'FAILED' as const } : r));
    const d = diffTree(before, buildTree(failed, opts()));
    assert.equal(d.full, false);
    // The tag node's summary changed (1 failed) so it is fired, which refreshes its runs too; the tag
    // group's own summary changed as well → that is the topmost.
    assert.ok(d.changed.includes(GROUP_TAGS));
    assert.ok(!d.changed.includes(ids.tag('t')), 'descendant of a fired node is not fired again');
    assert.ok(d.changed.includes(GROUP_RECENT), 'Recent summary changed');
    assert.ok(!d.changed.includes(GROUP_BATCHES), 'the batch group did not change');
  });

  it('fires the parent whose child list changed when a run arrives', () => {
    const runs = base();
    const before = buildTree(runs, opts());
    const next = buildTree([...runs, makeRun({ batchId: 'b' })], opts());
    const d = diffTree(before, next);
    assert.equal(d.full, false);
    assert.ok(d.changed.includes(GROUP_BATCHES) || d.changed.includes(ids.batch('b')));
    assert.ok(d.changed.includes(GROUP_RECENT));
    assert.ok(!d.changed.includes(GROUP_TAGS));
  });

  it('falls back to a full refresh when too many nodes changed', () => {
    const runs = Array.from({ length: 30 }, (_, i) => makeRun({ tags: [`t${i}`] }));
    const before = buildTree(runs, opts());
    const after = buildTree(
      runs.map((r) => ({ ...r, status: 'CANCELED' as const })),
      opts(),
    );
    assert.equal(diffTree(before, after, 5).full, true);
  });
});
