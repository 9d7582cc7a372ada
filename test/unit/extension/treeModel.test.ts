import assert from 'node:assert/strict';
import type { Run } from '../../../src/protocol/run';
import {
  GROUP_BATCHES,
  GROUP_RECENT,
  GROUP_TAGS,
  buildTree,
  diffTree,
  ids,
  nestRuns,
  runContextValue,
  type TreeOptions,
} from '../../../src/extension/tree/model';
import { parseRunQuery, type RunQuery } from '../../../src/extension/tree/runQuery';
import { T0, makeRun } from './fixtures';

const q = (text: string): RunQuery => {
  const r = parseRunQuery(text);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.query;
};
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
    const byStatus = buildTree([old, oldRunning, fresh], opts({ now, filter: q('status:failed') }));
    assert.deepEqual(byStatus.nodes.get(GROUP_RECENT)!.children, [ids.run(fresh.id)]);
    const byTask = buildTree([old, oldRunning, fresh], opts({ now, filter: q('task:chat') }));
    assert.equal(byTask.shown, 2);
  });

  it('filters with the text filter (tokens and free text over run and task ids)', () => {
    const a = makeRun({ taskIdentifier: 'chat', status: 'FAILED', tags: ['user:42'] });
    const b = makeRun({ taskIdentifier: 'chat', status: 'COMPLETED', tags: ['user:42'] });
    const c = makeRun({ taskIdentifier: 'email', status: 'FAILED' });
    const snap = buildTree([a, b, c], opts({ filter: q('status:failed tag:user:42') }));
    assert.equal(snap.shown, 1);
    assert.deepEqual(snap.nodes.get(GROUP_RECENT)!.children, [ids.run(a.id)]);
    assert.deepEqual(buildTree([a, b, c], opts({ filter: q(c.id) })).nodes.get(GROUP_RECENT)!.children, [ids.run(c.id)]);
  });

  it('flags tag and batch nodes that have unfinished runs (Cancel All) or failed runs (Replay Failed)', () => {
    const running = makeRun({ tags: ['t'], status: 'EXECUTING' });
    const failed = makeRun({ tags: ['t'], batchId: 'b', status: 'TIMED_OUT' });
    const done = makeRun({ tags: ['done'], batchId: 'b2', status: 'COMPLETED' });
    const snap = buildTree([running, failed, done], opts());
    assert.deepEqual(snap.nodes.get(ids.tag('t'))!.contextValue.split(' '), ['tag', 'tokenable', 'unfinished', 'failed']);
    assert.deepEqual(snap.nodes.get(ids.batch('b'))!.contextValue.split(' '), ['batch', 'tokenable', 'failed']);
    assert.deepEqual(snap.nodes.get(ids.tag('done'))!.contextValue.split(' '), ['tag', 'tokenable']);
    assert.deepEqual(snap.nodes.get(ids.batch('b2'))!.contextValue.split(' '), ['batch', 'tokenable']);
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

  describe('runs triggered from inside runs', () => {
    const family = () => {
      const root = makeRun({ taskIdentifier: 'agent', status: 'WAITING', tags: ['t'], waitingFor: { kind: 'runs', runIds: [] } });
      const critic = makeRun({ taskIdentifier: 'critic', status: 'EXECUTING', parentTaskRunId: root.id, rootTaskRunId: root.id, depth: 1, tags: ['t'] });
      const grandchild = makeRun({ taskIdentifier: 'leaf', parentTaskRunId: critic.id, rootTaskRunId: root.id, depth: 2 });
      const second = makeRun({ taskIdentifier: 'critic', parentTaskRunId: root.id, rootTaskRunId: root.id, depth: 1 });
      return { root, critic, grandchild, second };
    };

    it('nests children under their parent run in Recent (newest first), the parent becoming collapsible', () => {
      const { root, critic, grandchild, second } = family();
      const snap = buildTree([root, critic, grandchild, second], opts());
      assert.deepEqual(snap.nodes.get(GROUP_RECENT)!.children, [ids.run(root.id)]);
      const parent = snap.nodes.get(ids.run(root.id))!;
      assert.equal(parent.collapsible, 'collapsed');
      assert.deepEqual(parent.children, [ids.run(second.id), ids.run(critic.id)]);
      assert.deepEqual(snap.nodes.get(ids.run(critic.id))!.children, [ids.run(grandchild.id)]);
      assert.equal(snap.nodes.get(ids.run(grandchild.id))!.parentId, ids.run(critic.id), 'getParent → reveal walks the nesting');
      assert.equal(snap.nodes.get(ids.run(second.id))!.collapsible, 'none');
      assert.equal(snap.shown, 4, 'nested runs still count as shown');
    });

    it('nests within a tag only the runs that carry the tag; a child whose parent is elsewhere shows at the top', () => {
      const { root, critic, grandchild, second } = family();
      const snap = buildTree([root, critic, grandchild, second], opts());
      assert.deepEqual(snap.nodes.get(ids.tag('t'))!.children, [ids.tagRun('t', root.id)]);
      assert.deepEqual(snap.nodes.get(ids.tagRun('t', root.id))!.children, [ids.tagRun('t', critic.id)]);
      // Parent not loaded (or filtered out): the children show at the group's level.
      const orphans = buildTree([critic, grandchild, second], opts());
      assert.deepEqual(orphans.nodes.get(GROUP_RECENT)!.children, [ids.run(second.id), ids.run(critic.id)]);
      const filtered = buildTree([root, critic, grandchild, second], opts({ filter: q('task:critic task:leaf') }));
      assert.deepEqual(filtered.nodes.get(GROUP_RECENT)!.children, [ids.run(second.id), ids.run(critic.id)]);
    });

    it('keeps node ids when the parent arrives later, and fires the lists that changed', () => {
      const { root, critic } = family();
      const [r, c] = [
        { ...root, tags: [] },
        { ...critic, tags: [], status: 'QUEUED' as const },
      ];
      const before = buildTree([c], opts());
      const after = buildTree([r, c], opts());
      assert.ok(before.nodes.has(ids.run(c.id)) && after.nodes.has(ids.run(c.id)));
      assert.equal(before.nodes.get(ids.run(c.id))!.parentId, GROUP_RECENT);
      assert.equal(after.nodes.get(ids.run(c.id))!.parentId, ids.run(r.id));
      assert.deepEqual(diffTree(before, after), { full: false, changed: [GROUP_RECENT] });
      // The child finishing fires only its own node (its parent's list and the group's counts are the same).
      const done = buildTree([r, { ...c, status: 'COMPLETED' }], opts());
      assert.deepEqual(diffTree(after, done), { full: false, changed: [ids.run(c.id)] });
    });

    it('pages the children of a run with its own "Show more…"', () => {
      const parent = makeRun({ taskIdentifier: 'fan-out', status: 'WAITING' });
      const kids = Array.from({ length: 5 }, () => makeRun({ taskIdentifier: 'leaf', parentTaskRunId: parent.id, rootTaskRunId: parent.id, depth: 1 }));
      const snap = buildTree([parent, ...kids], opts({ pageSize: 3 }));
      const node = snap.nodes.get(ids.run(parent.id))!;
      assert.equal(node.children.length, 4);
      assert.equal(node.children.at(-1), ids.more(ids.run(parent.id)));
      const more = buildTree([parent, ...kids], opts({ pageSize: 3, extraPages: new Map([[ids.run(parent.id), 1]]) }));
      assert.equal(more.nodes.get(ids.run(parent.id))!.children.length, 5);
    });

    it('never loses runs whose parents form a cycle (shown at the top)', () => {
      const a = makeRun({ taskIdentifier: 'a' });
      const b = makeRun({ taskIdentifier: 'b', parentTaskRunId: a.id });
      const looped = { ...a, parentTaskRunId: b.id };
      assert.deepEqual(
        nestRuns([looped, b]).top.map((r) => r.taskIdentifier),
        ['a', 'b'],
      );
      const self = { ...a, parentTaskRunId: a.id };
      assert.deepEqual(nestRuns([self]).top, [self]);
    });
  });

  describe('waiting runs', () => {
    it('shows the waiting icon, says which token a run waits on, and flags it for Complete Wait Token…', () => {
      const run = makeRun({ taskIdentifier: 'approve', status: 'WAITING', waitingFor: { kind: 'token', tokenId: 'waitpoint_abc' } });
      const node = buildTree([run], opts()).nodes.get(ids.run(run.id))!;
      assert.equal(node.icon.codicon, 'debug-pause');
      assert.equal(node.icon.color, 'testing.iconQueued');
      assert.match(node.description!, /^Waiting for token waitpoint_abc · /);
      assert.match(node.tooltip!, /waiting for: token waitpoint\\_abc/);
      assert.deepEqual(node.contextValue.split(' ').sort(), ['cancelable', 'replayable', 'run', 'tokenWaiting', 'waiting']);
    });

    it('says how many runs a parent waits on; a timed wait and a resumed run are not token waits', () => {
      const parent = makeRun({ status: 'WAITING', waitingFor: { kind: 'runs', runIds: ['run_x', 'run_y'] } });
      const timed = makeRun({ status: 'WAITING', waitingFor: { kind: 'time', until: '2026-01-01T01:00:00.000Z' } });
      const snap = buildTree([parent, timed], opts());
      assert.match(snap.nodes.get(ids.run(parent.id))!.description!, /^Waiting for 2 runs · /);
      assert.match(snap.nodes.get(ids.run(timed.id))!.description!, /^Waiting · /);
      assert.match(snap.nodes.get(ids.run(timed.id))!.tooltip!, /until 2026/);
      assert.doesNotMatch(snap.nodes.get(ids.run(timed.id))!.contextValue, /tokenWaiting/);
      assert.doesNotMatch(runContextValue(makeRun({ status: 'EXECUTING' })), /waiting/);
    });
  });
});
