// Triggering, cancelling and replaying through the extension's commands, against the real engine
// it starts for the workspace; results observed through the extension's API (its live run store).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, isRunlight, runReaches, runlight, trigger, uniqueTag, type RunlightApi } from './helpers';

describe('runs', function () {
  this.timeout(90_000);
  let api: RunlightApi;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    const url = await api.engine.ready();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api.engine.url(), url);
  });

  it('runlight.triggerTask creates a run that shows under its tag and reaches COMPLETED', async () => {
    const tag = uniqueTag('it');
    const id = await trigger('progress-task', { total: 3, stepMs: 50 }, [tag]);
    const run = await runReaches(api, id, 'COMPLETED');
    assert.equal(run.taskIdentifier, 'progress-task');
    assert.deepEqual(run.tags, [tag]);
    assert.deepEqual(run.output, { total: 3 });
    assert.deepEqual(
      api.runs
        .all()
        .filter((r) => r.tags.includes(tag))
        .map((r) => r.id),
      [id],
    );
  });

  it('chat streams from the local model and completes', async () => {
    const id = await trigger('chat', { prompt: 'integration test' }, [uniqueTag('chat')]);
    const run = await runReaches(api, id, 'COMPLETED');
    assert.deepEqual(run.output, { ok: true });
  });

  it('a batch trigger shows its runs under one batch and their tag', async () => {
    const parent = await trigger('batch-demo', undefined, [uniqueTag('batch')]);
    const done = await runReaches(api, parent, 'COMPLETED');
    const batchId = (done.output as { batchId?: unknown } | undefined)?.batchId;
    assert.equal(typeof batchId, 'string', `batch-demo returns its batch id (output: ${JSON.stringify(done.output)})`);
    const children = await eventually('three runs in the batch', () => {
      const inBatch = api.runs.all().filter((r) => r.batchId === batchId);
      return inBatch.length === 3 ? inBatch : undefined;
    });
    for (const child of children) {
      assert.equal(child.taskIdentifier, 'progress-task');
      assert.ok(child.tags.includes('user:123'), `tags of ${child.id}: ${child.tags.join(',')}`);
    }
    for (const child of children) await runReaches(api, child.id, 'COMPLETED');
  });

  it('runlight.cancelRun cancels an executing run', async () => {
    const id = await trigger('progress-task', { total: 200, stepMs: 100 }, [uniqueTag('cancel')]);
    await runReaches(api, id, 'EXECUTING');
    const result = await vscode.commands.executeCommand<string | undefined>('runlight.cancelRun', id);
    assert.equal(result, id);
    const run = await runReaches(api, id, 'CANCELED', 20_000);
    assert.ok(run.finishedAt, 'a canceled run is finished');
  });

  it('runlight.replayRun starts a new run with the same task, payload and tags', async () => {
    const tag = uniqueTag('replay');
    const payload = { total: 2, stepMs: 20 };
    const first = await trigger('progress-task', payload, [tag]);
    await runReaches(api, first, 'COMPLETED');
    const second = await vscode.commands.executeCommand<string | undefined>('runlight.replayRun', first);
    assert.equal(typeof second, 'string');
    assert.notEqual(second, first);
    const replayed = await runReaches(api, second as string, 'COMPLETED');
    assert.equal(replayed.taskIdentifier, 'progress-task');
    assert.deepEqual(replayed.payload, payload);
    assert.deepEqual(replayed.tags, [tag]);
  });

  it('a failing task ends FAILED', async () => {
    const id = await trigger('failing-task', { reason: 'on purpose (integration)' }, [uniqueTag('fail')]);
    await runReaches(api, id, 'FAILED');
  });
});
