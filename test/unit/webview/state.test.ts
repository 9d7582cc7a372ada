import assert from 'node:assert/strict';
import { applySlice, initialState, reduce } from '../../../src/webview/state';
import { isAtBottom } from '../../../src/webview/scroll';
import { HostToWebview, MAX_PANEL_CHILDREN, WebviewToHost, PanelPersistedState } from '../../../src/protocol/webview';
import { makeRun } from '../extension/fixtures';

const t = (text: string) => ({ kind: 'text' as const, text });

describe('panel state reducer', () => {
  it('a snapshot replaces everything and bumps the epoch', () => {
    const run = makeRun({ status: 'EXECUTING' });
    const s1 = reduce(initialState, { type: 'snapshot', runId: run.id, run, streams: [{ key: 'answer', from: 0, items: [t('a')] }], logs: [] });
    assert.equal(s1.epoch, 1);
    assert.equal(s1.run, run);
    assert.deepEqual(
      s1.streams.map((s) => s.key),
      ['answer'],
    );
    const s2 = reduce(s1, { type: 'snapshot', runId: run.id, run: null, streams: [], logs: [] });
    assert.equal(s2.epoch, 2);
    assert.deepEqual(s2.streams, []);
  });

  it('deltas append to streams and logs, add new keys in order of appearance, keep the old state intact', () => {
    const s1 = reduce(initialState, { type: 'snapshot', runId: 'r', run: null, streams: [{ key: 'a', from: 0, items: [t('1')] }], logs: [] });
    const s2 = reduce(s1, {
      type: 'delta',
      streams: [
        { key: 'b', from: 0, items: [t('x')] },
        { key: 'a', from: 1, items: [t('2')], ended: true },
      ],
      logs: [{ level: 'info', message: 'm', time: '' }],
    });
    assert.deepEqual(
      s2.streams.map((s) => [s.key, s.items.length, s.ended]),
      [
        ['a', 2, true],
        ['b', 1, false],
      ],
    );
    assert.equal(s2.logs.length, 1);
    assert.equal(s1.streams[0]!.items.length, 1, 'previous state unchanged');
    assert.equal(s2.epoch, s1.epoch, 'deltas do not reset the view');
  });

  it('skips overlapping items and accepts a gap', () => {
    const s = applySlice({ key: 'k', base: 0, items: [t('a'), t('b')], ended: false }, { key: 'k', from: 1, items: [t('b'), t('c')] });
    assert.deepEqual(s.items, [t('a'), t('b'), t('c')]);
    const gap = applySlice(s, { key: 'k', from: 10, items: [t('z')] });
    assert.equal(gap.items.length, 4);
    const fresh = applySlice(undefined, { key: 'k', from: 5, items: [t('q')] });
    assert.equal(fresh.base, 5);
  });

  it('notices replace the previous notice', () => {
    const s = reduce(initialState, { type: 'notice', notice: { level: 'error', message: 'x' } });
    assert.equal(s.notice!.message, 'x');
  });
});

describe('auto-scroll', () => {
  it('follows only while at the bottom', () => {
    assert.equal(isAtBottom({ scrollTop: 900, scrollHeight: 1000, clientHeight: 100 }), true);
    assert.equal(isAtBottom({ scrollTop: 880, scrollHeight: 1000, clientHeight: 100 }), true);
    assert.equal(isAtBottom({ scrollTop: 500, scrollHeight: 1000, clientHeight: 100 }), false);
  });
});

describe('webview message schemas', () => {
  it('accepts the messages the webview sends and refuses anything else', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'cancel' },
      { type: 'replay' },
      { type: 'copyId' },
      { type: 'error', message: 'x' },
      { type: 'openRun', runId: 'run_child' },
      { type: 'completeToken' },
    ]) {
      assert.equal(WebviewToHost.safeParse(m).success, true, JSON.stringify(m));
    }
    for (const m of [
      { type: 'eval', code: 'x' },
      { type: 'error', message: 'x'.repeat(5000) },
      null,
      'ready',
      { type: 'ready', extra: 1 },
      { type: 'openRun' },
      { type: 'openRun', runId: '' },
      { type: 'openRun', runId: 'r'.repeat(201) },
      { type: 'openRun', runId: 42 },
    ]) {
      const ok = WebviewToHost.safeParse(m).success;
      if (m && typeof m === 'object' && 'extra' in m) assert.equal(ok, true, 'unknown keys are stripped');
      else assert.equal(ok, false, JSON.stringify(m));
    }
  });

  it('validates host messages', () => {
    assert.equal(
      HostToWebview.safeParse({ type: 'delta', streams: [{ key: 'a', from: 0, items: [{ kind: 'binary', size: 2, hex: '00 01' }] }] }).success,
      true,
    );
    assert.equal(HostToWebview.safeParse({ type: 'delta', streams: [{ key: 'a', from: -1, items: [] }] }).success, false);
    assert.equal(HostToWebview.safeParse({ type: 'snapshot', runId: 'r', run: { id: 'x' }, streams: [], logs: [] }).success, false);
  });

  it('validates the child-run list and a waiting run in host messages', () => {
    const child = { id: 'run_c', taskIdentifier: 'critic', status: 'WAITING', createdAt: '2026-01-01T00:00:00.000Z' };
    assert.equal(HostToWebview.safeParse({ type: 'delta', children: { runs: [child], total: 1 } }).success, true);
    const snapshot = { type: 'snapshot', runId: 'r', run: null, streams: [], logs: [], children: { runs: [], total: 0 } };
    assert.equal(HostToWebview.safeParse(snapshot).success, true);
    for (const bad of [
      { runs: [{ ...child, status: 'SLEEPING' }], total: 1 },
      { runs: [{ ...child, id: '' }], total: 1 },
      { runs: [child], total: -1 },
      { runs: Array.from({ length: MAX_PANEL_CHILDREN + 1 }, () => child), total: MAX_PANEL_CHILDREN + 1 },
    ]) {
      assert.equal(HostToWebview.safeParse({ type: 'delta', children: bad }).success, false, JSON.stringify(bad).slice(0, 120));
    }
    const waiting = makeRun({
      status: 'WAITING',
      waitingFor: { kind: 'token', tokenId: 'waitpoint_1' },
      parentTaskRunId: 'run_p',
      rootTaskRunId: 'run_p',
      depth: 1,
    });
    assert.equal(HostToWebview.safeParse({ type: 'delta', run: waiting }).success, true);
    for (const waitingFor of [{ kind: 'token' }, { kind: 'time', until: 5 }, { kind: 'nap' }]) {
      assert.equal(HostToWebview.safeParse({ type: 'delta', run: { ...waiting, waitingFor } }).success, false, JSON.stringify(waitingFor));
    }
    assert.equal(HostToWebview.safeParse({ type: 'delta', run: { ...waiting, depth: 0 } }).success, false, 'depth counts from 1 on a child');
  });

  it('keeps the child list across deltas that do not carry it, and clears it on a snapshot without it', () => {
    const kids = { runs: [{ id: 'run_c', taskIdentifier: 'critic', status: 'QUEUED' as const, createdAt: '2026-01-01T00:00:00.000Z' }], total: 1 };
    const s1 = reduce(initialState, { type: 'snapshot', runId: 'r', run: null, streams: [], logs: [], children: kids });
    assert.equal(s1.children, kids);
    const s2 = reduce(s1, { type: 'delta', logs: [] });
    assert.equal(s2.children, kids);
    const s3 = reduce(s2, { type: 'snapshot', runId: 'r', run: null, streams: [], logs: [] });
    assert.deepEqual(s3.children, { runs: [], total: 0 });
  });

  it('keeps the timeline across deltas that do not carry it, takes a new one, and clears it on a snapshot without it', () => {
    const timeline = { runId: 'r', attempts: [{ number: 1, startedAt: '2026-01-01T00:00:00.000Z', outcome: 'running' as const }], waits: [] };
    const s1 = reduce(initialState, { type: 'snapshot', runId: 'r', run: null, streams: [], logs: [], timeline });
    assert.equal(s1.timeline, timeline);
    const s2 = reduce(s1, { type: 'delta', logs: [] });
    assert.equal(s2.timeline, timeline);
    const next = { ...timeline, attempts: [{ ...timeline.attempts[0]!, outcome: 'completed' as const, endedAt: '2026-01-01T00:00:01.000Z' }] };
    assert.equal(reduce(s2, { type: 'delta', timeline: next }).timeline, next);
    assert.equal(reduce(s2, { type: 'snapshot', runId: 'r', run: null, streams: [], logs: [] }).timeline, undefined);
    assert.equal(
      HostToWebview.safeParse({ type: 'delta', timeline: { ...timeline, attempts: [{ number: 0, startedAt: 'x', outcome: 'running' }] } }).success,
      false,
      'attempts count from 1',
    );
  });

  it('persists the run id for the serializer', () => {
    assert.deepEqual(PanelPersistedState.parse({ runId: 'r', activeTab: 'answer' }), { runId: 'r' });
    assert.equal(PanelPersistedState.safeParse({}).success, false);
  });
});
