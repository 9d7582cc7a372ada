// Runs that wait, in the real extension host: a run waiting on a wait token shows WAITING in the Runs view with
// its token, Complete Wait Token… completes it and the run finishes with what was sent; a run triggered from
// inside another shows nested under it. Uses the demo's trigger/wait-demo.ts.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, isRunlight, runReaches, runlight, trigger, uniqueTag, type RunlightApi, type RunsViewItem } from './helpers';

const RECENT = 'group:recent';
const runNode = (runId: string) => `run:${encodeURIComponent(runId)}`;

/** The Runs view's item `id` under `parent` once it is there (the view rebuilds a little after each change). */
function itemUnder(api: RunlightApi, parent: string, id: string, accept: (item: RunsViewItem) => boolean = () => true): Promise<RunsViewItem> {
  let last: RunsViewItem | undefined;
  return eventually(
    `${id} under ${parent} in the Runs view`,
    () => {
      last = api.runsView.children(parent).find((i) => i.id === id);
      return last && accept(last) ? last : undefined;
    },
    30_000,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`, { cause: err });
  });
}

describe('waits', function () {
  this.timeout(120_000);
  let api: RunlightApi;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
    await eventually('the demo wait tasks are discovered', () => (api.tasks.list().includes('wait-for-approval') ? true : undefined), 60_000);
  });

  it('shows a run waiting on a token in the Runs view; Complete Wait Token… resumes it with the JSON sent', async () => {
    const id = await trigger('wait-for-approval', { question: 'integration?' }, [uniqueTag('wait')]);
    const waiting = await runReaches(api, id, 'WAITING');
    assert.equal(waiting.waitingFor?.kind, 'token', JSON.stringify(waiting.waitingFor));
    const tokenId = waiting.waitingFor.kind === 'token' ? waiting.waitingFor.tokenId : '';
    assert.match(tokenId, /^waitpoint_/);

    const item = await itemUnder(api, RECENT, runNode(id), (i) => i.icon === 'debug-pause');
    assert.equal(item.label, 'wait-for-approval');
    assert.equal(item.color, 'testing.iconQueued');
    assert.ok(item.description?.startsWith(`Waiting for token ${tokenId}`), item.description);
    assert.match(item.contextValue ?? '', /\btokenWaiting\b/, 'the context menu offers Complete Wait Token…');

    const data = { approved: true, note: 'from the integration test' };
    const completed = await vscode.commands.executeCommand<string | undefined>('runlight.completeWaitToken', { runId: id, data });
    assert.equal(completed, tokenId);
    const done = await runReaches(api, id, 'COMPLETED');
    assert.deepEqual(done.output, { approved: true, answer: data });
    assert.equal(done.waitingFor, undefined);
    await itemUnder(api, RECENT, runNode(id), (i) => i.icon === 'pass' && !/tokenWaiting/.test(i.contextValue ?? ''));

    // The first completion wins; a second one through the command is refused with the engine's reason.
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('runlight.completeWaitToken', { tokenId, data: { approved: false } })),
      /already completed/,
    );
  });

  it('nests a run triggered from inside another under its parent in the Runs view', async () => {
    const parent = await trigger('nested-demo', { total: 30, stepMs: 100 }, [uniqueTag('nest')]);
    const waiting = await runReaches(api, parent, 'WAITING');
    assert.equal(waiting.waitingFor?.kind, 'runs');
    const child = await eventually('the child run', () => api.runs.all().find((r) => r.parentTaskRunId === parent));
    assert.equal(child.taskIdentifier, 'progress-task');
    assert.deepEqual([child.rootTaskRunId, child.depth], [parent, 1]);

    // The view rebuilds a little after each change: wait for the build that has both the child and the wait.
    const parentItem = await itemUnder(api, RECENT, runNode(parent), (i) => i.collapsible !== 'none' && i.icon === 'debug-pause');
    assert.match(parentItem.description ?? '', /^Waiting for 1 run/);
    assert.equal(
      api.runsView.children(RECENT).some((i) => i.id === runNode(child.id)),
      false,
      'the child is not listed again at the top of Recent',
    );
    const childItem = await itemUnder(api, runNode(parent), runNode(child.id));
    assert.equal(childItem.label, 'progress-task');
    assert.match(childItem.tooltip ?? '', new RegExp(`parent: \`${parent}\``));

    const done = await runReaches(api, parent, 'COMPLETED');
    assert.deepEqual(done.output, { child: child.id, output: { total: 30 } });
    await itemUnder(api, runNode(parent), runNode(child.id), (i) => i.icon === 'pass');
  });
});
