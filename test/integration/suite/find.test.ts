// Finding runs in the Runs view, in the real extension host against the real engine: the text filter (what the
// view shows of it, bad tokens named), Cancel and Replay on a multi-selection (the arguments VS Code passes a
// view's item command: the item clicked and the whole selection), and Cancel All / Replay Failed on a tag and a
// batch group. (The filter kept across a window reload is tested in zz-panel.test.ts, the file that reloads.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, isRunlight, runReaches, runlight, tasksIndexed, trigger, uniqueTag, type RunlightApi, type RunsViewItem } from './helpers';

const enc = encodeURIComponent;
const SLOW = { total: 300, stepMs: 100 };

/** The items under a node of the Runs view, once `ready` holds for them. */
function childrenWhen(api: RunlightApi, id: string | undefined, what: string, ready: (items: RunsViewItem[]) => boolean): Promise<RunsViewItem[]> {
  return eventually(what, () => {
    const items = api.runsView.children(id);
    return ready(items) ? items : undefined;
  });
}

describe('finding runs', function () {
  this.timeout(120_000);
  let api: RunlightApi;

  before(async function () {
    this.timeout(150_000);
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
    await tasksIndexed(api, ['progress-task', 'failing-task']);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('runlight.clearFilter');
  });

  it('filters the Runs view with tokens, shows the filter in the view, names a bad token, and clears', async () => {
    const tag = uniqueTag('find');
    const failed = await trigger('failing-task', { reason: 'for the filter' }, [tag]);
    const done = await trigger('progress-task', { total: 1, stepMs: 10 }, [tag]);
    await runReaches(api, failed, 'FAILED');
    await runReaches(api, done, 'COMPLETED');

    const text = `status:failed tag:${tag}`;
    assert.equal(await vscode.commands.executeCommand('runlight.filterRuns', text), text);
    const recent = await childrenWhen(api, 'group:recent', 'the filtered Recent group', (items) => items.length === 1);
    assert.equal(recent[0]!.id, `run:${enc(failed)}`);
    assert.equal(recent[0]!.label, 'failing-task');
    const shown = api.runsView.filter();
    assert.equal(shown.text, text);
    assert.equal(shown.description, text, 'the view title shows the filter');
    assert.equal(shown.message, `Filter: ${text} — 1 run matches. Clear Filter to see all runs.`);

    // Free text: a run id.
    await vscode.commands.executeCommand('runlight.filterRuns', done);
    await childrenWhen(api, 'group:recent', 'only the run with that id', (items) => items.length === 1 && items[0]!.id === `run:${enc(done)}`);

    // A bad token changes nothing and is named with the statuses there are.
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('runlight.filterRuns', `status:nope tag:${tag}`)),
      /unknown status 'nope'; one of pending_version, queued, .*timed_out/,
    );
    assert.equal(api.runsView.filter().text, done, 'the filter before the bad one stays');

    await vscode.commands.executeCommand('runlight.clearFilter');
    const cleared = api.runsView.filter();
    assert.deepEqual([cleared.text, cleared.description, cleared.message], ['', undefined, undefined]);
    await childrenWhen(api, 'group:recent', 'every run again', (items) => items.length >= 2);
  });

  it('cancels and replays every run of a multi-selection (a run selected twice counts once)', async () => {
    const tag = uniqueTag('multi');
    const ids = [await trigger('progress-task', SLOW, [tag]), await trigger('progress-task', SLOW, [tag]), await trigger('progress-task', SLOW, [tag])];
    const [a, b, c] = ids as [string, string, string];
    await childrenWhen(api, `tag:${enc(tag)}`, 'the three runs under their tag', (items) => items.length === 3);
    // Run a under Recent and under its tag, and run b: the nodes VS Code passes as the selection.
    const selection = [`run:${enc(a)}`, `tag:${enc(tag)}:run:${enc(a)}`, `tag:${enc(tag)}:run:${enc(b)}`];
    const canceled = await vscode.commands.executeCommand<string[]>('runlight.cancelRun', selection[0], selection);
    assert.deepEqual([...canceled].sort(), [a, b].sort());
    await runReaches(api, a, 'CANCELED');
    await runReaches(api, b, 'CANCELED');
    assert.notEqual(api.runs.get(c)?.status, 'CANCELED', 'the run not selected goes on');

    const panelsBefore = api.openPanels().length;
    const replayed = await vscode.commands.executeCommand<string[]>('runlight.replayRun', selection[2], selection);
    assert.equal(replayed.length, 2);
    for (const id of replayed) {
      assert.ok(!ids.includes(id));
      const run = await eventually(`replayed run ${id}`, () => api.runs.get(id));
      assert.equal(run.taskIdentifier, 'progress-task');
      assert.deepEqual(run.payload, SLOW);
      assert.deepEqual(run.tags, [tag]);
    }
    assert.equal(api.openPanels().length, panelsBefore, 'a bulk replay opens no panels');

    // A selection of one is not a bulk action: the clicked run only.
    assert.equal(await vscode.commands.executeCommand('runlight.cancelRun', `run:${enc(c)}`, [`run:${enc(c)}`]), c);
    await vscode.commands.executeCommand('runlight.cancelRun', { runIds: replayed });
    for (const id of [c, ...replayed]) await runReaches(api, id, 'CANCELED');
  });

  it("Cancel All on a tag cancels the group's unfinished runs; Replay Failed on a batch replays its failed runs", async () => {
    const tag = uniqueTag('group');
    const finished = await trigger('progress-task', { total: 1, stepMs: 10 }, [tag]);
    await runReaches(api, finished, 'COMPLETED');
    const slow = [await trigger('progress-task', SLOW, [tag]), await trigger('progress-task', SLOW, [tag]), await trigger('progress-task', SLOW, [tag])];
    const tagNode = `tag:${enc(tag)}`;
    // Cancel All acts on the runs the view shows: wait until all four are under the tag, as a person would see them.
    await childrenWhen(api, tagNode, 'the four runs under their tag', (items) => items.length === 4);
    const group = await childrenWhen(api, 'group:tags', 'the tag group flagged for Cancel All', (items) =>
      items.some((i) => i.id === tagNode && /\bunfinished\b/.test(i.contextValue ?? '')),
    );
    assert.ok(!/\bfailed\b/.test(group.find((i) => i.id === tagNode)!.contextValue ?? ''), 'no Replay Failed without a failed run');
    const canceled = await vscode.commands.executeCommand<string[]>('runlight.cancelAll', tagNode);
    assert.deepEqual([...canceled].sort(), [...slow].sort());
    for (const id of slow) await runReaches(api, id, 'CANCELED');
    assert.equal(api.runs.get(finished)?.status, 'COMPLETED');
    await childrenWhen(api, 'group:tags', 'the tag no longer offers Cancel All', (items) =>
      items.some((i) => i.id === tagNode && !/\bunfinished\b/.test(i.contextValue ?? '')),
    );

    // A batch of two failing runs and one that completes (batch-trigger through the engine client the CLI uses).
    const { EngineClient } = await import('../../../src/client/api');
    const secretKey = api.terminalEnvironment()['RUNLIGHT_SECRET_KEY'] ?? api.terminalEnvironment()['TRIGGER_SECRET_KEY'];
    assert.ok(secretKey, 'the terminal environment carries the key');
    const client = new EngineClient({ baseURL: api.engine.url()!, accessToken: secretKey });
    const batch = await client.batchTrigger([
      { task: 'failing-task', payload: { reason: 'batch 1' }, options: { tags: [tag] } },
      { task: 'failing-task', payload: { reason: 'batch 2' }, options: { tags: [tag] } },
      { task: 'progress-task', payload: { total: 1, stepMs: 10 }, options: { tags: [tag] } },
    ]);
    for (const r of batch.runs) await runReaches(api, r.id, r.taskIdentifier === 'failing-task' ? 'FAILED' : 'COMPLETED');
    const batchNode = `batch:${enc(batch.batchId)}`;
    await childrenWhen(api, 'group:batches', 'the batch flagged for Replay Failed', (items) =>
      items.some((i) => i.id === batchNode && /\bfailed\b/.test(i.contextValue ?? '')),
    );
    const replayed = await vscode.commands.executeCommand<string[]>('runlight.replayFailed', batchNode);
    assert.equal(replayed.length, 2);
    const reasons = [];
    for (const id of replayed) {
      const run = await runReaches(api, id, 'FAILED');
      assert.equal(run.taskIdentifier, 'failing-task');
      reasons.push((run.payload as { reason: string }).reason);
    }
    assert.deepEqual(reasons.sort(), ['batch 1', 'batch 2']);
  });
});
