import assert from 'node:assert/strict';
import type { WebviewApi } from 'vscode-webview';
import { HostBridge, errorMessage, parseHostMessage, readPersisted, type PersistedState } from '../../../src/webview/host';
import { FrameLoop } from '../../../src/webview/frames';
import { makeRun } from '../extension/fixtures';

/** VS Code's webview API as the panel sees it, recording what it was given. */
function fakeApi(stored?: unknown): WebviewApi<PersistedState> & { posted: unknown[]; states: unknown[] } {
  const posted: unknown[] = [];
  const states: unknown[] = [];
  return {
    posted,
    states,
    postMessage: (m: unknown) => void posted.push(m),
    getState: () => stored as PersistedState | undefined,
    setState: <T extends PersistedState | undefined>(s: T): T => {
      states.push(s);
      return s;
    },
  };
}

describe('webview ↔ host bridge', () => {
  it("takes the host's messages; ignores what is not one of ours", () => {
    const run = makeRun({ status: 'EXECUTING' });
    const ok = parseHostMessage({ type: 'snapshot', runId: run.id, run, streams: [{ key: 'a', from: 0, items: [{ kind: 'text', text: 'x' }] }], logs: [] });
    assert.equal(ok.kind, 'message');
    assert.equal(ok.kind === 'message' && ok.message.type, 'snapshot');
    for (const other of [undefined, null, 'snapshot', 42, {}, { type: 'ready' }, { type: 'vscode-internal', x: 1 }]) {
      assert.deepEqual(parseHostMessage(other), { kind: 'ignored' }, JSON.stringify(other));
    }
  });

  it('reads a stored state as far as it is well formed', () => {
    assert.deepEqual(readPersisted(undefined), {});
    assert.deepEqual(readPersisted('run_1'), {});
    assert.deepEqual(readPersisted({ runId: 'run_1', activeTab: 'answer', modes: { answer: 'rendered', b: 'html', c: 3 } }), {
      runId: 'run_1',
      activeTab: 'answer',
      modes: { answer: 'rendered' },
    });
    assert.deepEqual(readPersisted({ runId: '', activeTab: 7 }), {});
  });

  it("stores the run id for the serializer (the page's until a snapshot names one) with the reader's choices", () => {
    const api = fakeApi({ runId: 'run_old', modes: { answer: 'raw' } });
    const host = new HostBridge(api, 'run_page');
    host.save();
    assert.deepEqual(api.states.at(-1), { runId: 'run_page', modes: { answer: 'raw' } });
    assert.equal(host.modeOf('answer'), 'raw');
    assert.equal(host.modeOf('other'), 'text');
    assert.equal(host.activeTab, undefined);
    host.chooseTab('answer');
    host.chooseMode('other', 'rendered');
    assert.deepEqual(api.states.at(-1), { runId: 'run_page', activeTab: 'answer', modes: { answer: 'raw', other: 'rendered' } });
    host.setRunId('run_snap');
    assert.equal((api.states.at(-1) as PersistedState).runId, 'run_snap');
    host.setRunId(undefined);
    assert.equal((api.states.at(-1) as PersistedState).runId, 'run_page');
  });

  it('sends typed messages; errors are cut to what the protocol allows', () => {
    const api = fakeApi();
    const host = new HostBridge(api, undefined);
    host.send({ type: 'ready' });
    host.reportError(new Error('x'.repeat(5000)));
    assert.deepEqual(api.posted[0], { type: 'ready' });
    const err = api.posted[1] as { type: string; message: string };
    assert.equal(err.type, 'error');
    assert.equal(err.message.length, 4000);
    assert.equal(errorMessage('boom'), 'boom');
  });
});

describe('frame loop', () => {
  it('draws once per frame however often it is scheduled, and again when scheduled while drawing', () => {
    const frames: (() => void)[] = [];
    let draws = 0;
    const loop: FrameLoop = new FrameLoop(
      () => {
        draws++;
        if (draws === 1) loop.schedule();
      },
      (cb) => frames.push(cb),
    );
    loop.schedule();
    loop.schedule();
    loop.schedule();
    assert.equal(frames.length, 1);
    frames.shift()!();
    assert.equal(draws, 1);
    assert.equal(frames.length, 1, 'a frame asked for during the draw');
    frames.shift()!();
    assert.equal(draws, 2);
    assert.equal(frames.length, 0);
    loop.schedule();
    assert.equal(frames.length, 1);
  });
});
