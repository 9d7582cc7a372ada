import assert from 'node:assert/strict';
import { RunPanelModel, childRunsOf, toLogLine, toStreamItem } from '../../../src/extension/panel/panelModel';
import { HostToWebview } from '../../../src/protocol/webview';
import type { RunTimeline } from '../../../src/protocol/timeline';
import { makeRun } from './fixtures';

const text = (t: string) => ({ kind: 'text' as const, text: t });

describe('run panel model (host-side buffers)', () => {
  it('snapshot holds everything; deltas then carry only what is new', () => {
    const run = makeRun({ status: 'EXECUTING', realtimeStreams: ['answer'] });
    const m = new RunPanelModel(run.id);
    m.setRun(run);
    m.appendChunks('answer', 0, [text('Hel'), text('lo')]);
    const snap = m.snapshot();
    assert.equal(HostToWebview.safeParse(snap).success, true);
    assert.equal(snap.run!.id, run.id);
    assert.deepEqual(snap.streams, [{ key: 'answer', from: 0, items: [text('Hel'), text('lo')], ended: false }]);
    assert.equal(m.takeDelta(), undefined, 'nothing new after a snapshot');

    m.appendChunks('answer', 2, [text(' wor')]);
    m.appendChunks('answer', 3, [text('ld')]);
    m.appendLogs([{ level: 'info', message: 'hi', time: '2026-01-01T00:00:00Z' }]);
    const d = m.takeDelta()!;
    assert.equal(HostToWebview.safeParse(d).success, true);
    assert.deepEqual(d.streams, [{ key: 'answer', from: 2, items: [text(' wor'), text('ld')] }]);
    assert.equal(d.logs!.length, 1);
    assert.equal(d.run, undefined, 'the run did not change');
    assert.equal(m.takeDelta(), undefined);
  });

  it('skips chunks it already holds (resubscription overlap) and keeps the next index', () => {
    const m = new RunPanelModel('r');
    m.appendChunks('s', 0, [text('a'), text('b')]);
    m.appendChunks('s', 1, [text('b'), text('c')]);
    assert.equal(m.nextIdx('s'), 3);
    assert.deepEqual(m.snapshot().streams[0]!.items, [text('a'), text('b'), text('c')]);
    m.appendChunks('s', 0, [text('a')]);
    assert.equal(m.takeDelta(), undefined);
  });

  it('announces a stream before its first chunk and its end', () => {
    const m = new RunPanelModel('r');
    m.ensureStream('answer');
    assert.deepEqual(m.takeDelta()!.streams, [{ key: 'answer', from: 0, items: [] }]);
    m.endStream('answer');
    assert.deepEqual(m.takeDelta()!.streams, [{ key: 'answer', from: 0, items: [], ended: true }]);
    m.endStream('answer');
    assert.equal(m.takeDelta(), undefined);
  });

  it('caps buffers, dropping the oldest items, and says so in the snapshot', () => {
    const m = new RunPanelModel('r', { streamItems: 3, logLines: 2 });
    m.appendChunks('s', 0, [text('1'), text('2'), text('3'), text('4'), text('5')]);
    m.appendLogs([1, 2, 3].map((i) => ({ level: 'log' as const, message: String(i), time: '' })));
    const snap = m.snapshot();
    assert.deepEqual(snap.streams[0], { key: 's', from: 2, items: [text('3'), text('4'), text('5')], ended: false });
    assert.deepEqual(
      snap.logs.map((l) => l.message),
      ['2', '3'],
    );
    assert.equal(snap.truncated, true);
    assert.equal(m.nextIdx('s'), 5);
  });

  it('ignores a run with another id', () => {
    const m = new RunPanelModel('mine');
    m.setRun(makeRun());
    assert.equal(m.currentRun, null);
  });
});

describe('run panel model: child runs', () => {
  it('lists the runs triggered from inside the run, oldest first, capped, and only those', () => {
    const parent = makeRun({ taskIdentifier: 'agent', status: 'WAITING' });
    const first = makeRun({ taskIdentifier: 'draft', parentTaskRunId: parent.id, rootTaskRunId: parent.id, depth: 1 });
    const second = makeRun({ taskIdentifier: 'critic', status: 'EXECUTING', parentTaskRunId: parent.id, rootTaskRunId: parent.id, depth: 1 });
    const grandchild = makeRun({ taskIdentifier: 'leaf', parentTaskRunId: second.id, rootTaskRunId: parent.id, depth: 2 });
    const other = makeRun({ taskIdentifier: 'other' });
    const all = [other, second, grandchild, parent, first];
    const kids = childRunsOf(all, parent.id);
    assert.deepEqual(
      kids.runs.map((r) => [r.taskIdentifier, r.status]),
      [
        ['draft', 'COMPLETED'],
        ['critic', 'EXECUTING'],
      ],
    );
    assert.equal(kids.total, 2);
    assert.deepEqual(childRunsOf(all, parent.id, 1), { runs: [kids.runs[0]], total: 2 });
    assert.deepEqual(childRunsOf(all, other.id), { runs: [], total: 0 });
  });

  it('sends the list in the snapshot and again in a delta only when it changed', () => {
    const parent = makeRun({ status: 'WAITING' });
    const child = makeRun({ status: 'QUEUED', parentTaskRunId: parent.id });
    const m = new RunPanelModel(parent.id);
    m.setRun(parent);
    assert.equal('children' in m.snapshot(), false, 'no list while there are no children');
    assert.equal(m.setChildren(childRunsOf([parent, child], parent.id)), true);
    const d1 = m.takeDelta()!;
    assert.equal(HostToWebview.safeParse(d1).success, true);
    assert.deepEqual(d1.children, { runs: [{ id: child.id, taskIdentifier: child.taskIdentifier, status: 'QUEUED', createdAt: child.createdAt }], total: 1 });
    assert.equal(m.setChildren(childRunsOf([parent, { ...child, updatedAt: 'later' }], parent.id)), false, 'same list: nothing to send');
    assert.equal(m.takeDelta(), undefined);
    assert.equal(m.setChildren(childRunsOf([parent, { ...child, status: 'COMPLETED' }], parent.id)), true);
    assert.equal(m.takeDelta()!.children!.runs[0]!.status, 'COMPLETED');
    const snap = m.snapshot();
    assert.equal(HostToWebview.safeParse(snap).success, true);
    assert.equal(snap.children!.total, 1, 'a webview that reloads gets the list in its snapshot');
  });
});

describe('chunk values → panel items', () => {
  it('keeps strings as text and JSON as JSON', () => {
    assert.deepEqual(toStreamItem('tok'), text('tok'));
    assert.deepEqual(toStreamItem({ a: [1, null] }), { kind: 'json', value: { a: [1, null] } });
    assert.deepEqual(toStreamItem(7), { kind: 'json', value: 7 });
  });

  it('shows binary chunks as size + hex preview of the first 32 bytes', () => {
    const bytes = new Uint8Array(40).map((_, i) => i);
    const item = toStreamItem(bytes);
    assert.equal(item.kind, 'binary');
    if (item.kind !== 'binary') return;
    assert.equal(item.size, 40);
    assert.equal(item.hex.split(' ').length, 32);
    assert.ok(item.hex.startsWith('00 01 02 0f'.slice(0, 8)));
    assert.equal(toStreamItem(new Uint8Array([255]).buffer).kind, 'binary');
  });

  it('reads log chunks, and shows anything else as a plain line', () => {
    assert.deepEqual(toLogLine({ level: 'warn', message: 'm', time: 't' }), { level: 'warn', message: 'm', time: 't' });
    assert.deepEqual(toLogLine('plain'), { level: 'log', message: 'plain', time: '' });
    assert.deepEqual(toLogLine({ x: 1 }), { level: 'log', message: '{"x":1}', time: '' });
  });
});

describe('run panel model: timeline', () => {
  const tl = (runId: string, outcome: 'running' | 'completed'): RunTimeline => ({
    runId,
    attempts: [{ number: 1, startedAt: '2026-01-01T00:00:01.000Z', outcome, ...(outcome === 'completed' ? { endedAt: '2026-01-01T00:00:02.000Z' } : {}) }],
    waits: [],
  });

  it("sends the run's timeline in the snapshot, and in a delta only when it changed", () => {
    const run = makeRun({ status: 'EXECUTING' });
    const m = new RunPanelModel(run.id);
    m.setRun(run);
    assert.equal('timeline' in m.snapshot(), false, 'none before the host loaded it');
    assert.equal(m.setTimeline(tl('run_other', 'running')), false, "another run's timeline is ignored");
    assert.equal(m.setTimeline(tl(run.id, 'running')), true);
    const d = m.takeDelta()!;
    assert.equal(HostToWebview.safeParse(d).success, true);
    assert.equal(d.timeline!.attempts[0]!.outcome, 'running');
    assert.equal(m.setTimeline(tl(run.id, 'running')), false, 'the same timeline: nothing to send');
    assert.equal(m.takeDelta(), undefined);
    assert.equal(m.setTimeline(tl(run.id, 'completed')), true);
    assert.equal(m.takeDelta()!.timeline!.attempts[0]!.endedAt, '2026-01-01T00:00:02.000Z');
    assert.equal(m.snapshot().timeline!.attempts[0]!.outcome, 'completed');
  });

  it('lists when child runs started and finished (their bars on the strip)', () => {
    const parent = makeRun({ status: 'WAITING' });
    const child = makeRun({ status: 'COMPLETED', parentTaskRunId: parent.id, startedAt: '2026-01-01T00:00:03.000Z', finishedAt: '2026-01-01T00:00:04.000Z' });
    const m = new RunPanelModel(parent.id);
    m.setChildren(childRunsOf([parent, child], parent.id));
    assert.equal(m.setChildren(childRunsOf([parent, { ...child, finishedAt: '2026-01-01T00:00:05.000Z' }], parent.id)), true, 'a new finish time is a change');
    const row = m.childRuns.runs[0]!;
    assert.deepEqual([row.startedAt, row.finishedAt], ['2026-01-01T00:00:03.000Z', '2026-01-01T00:00:05.000Z']);
  });
});
