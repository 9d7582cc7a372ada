import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auth, batch, configure, runs, tasks, wait } from '@trigger.dev/sdk';
import { AWAIT_TOKEN_TASK, startSdkEngine, TR_SECRET, type SdkEngine } from './support';
import { TASKS } from '../fixtures';
import { repoRoot, waitFor } from '../../../support/engine';

/**
 * The official `@trigger.dev/sdk` (pinned devDependency), configured with `baseURL` = the engine and the
 * workspace's `tr_dev_` secret, against a real engine. The demo's task files are loaded byte for byte.
 */

const DEMO_FILES = ['progress-task.ts', 'multi-stream.ts', 'failing-task.ts'];

async function demoTasks(): Promise<Record<string, string>> {
  const files: Record<string, string> = { ...TASKS, 'trigger/await-token.ts': AWAIT_TOKEN_TASK };
  for (const f of DEMO_FILES) files[`trigger/demo/${f}`] = await readFile(join(repoRoot, 'examples/demo/trigger', f), 'utf8');
  return files;
}

describe('trigger-sdk: the official @trigger.dev/sdk against the engine', function () {
  this.timeout(90_000);
  let e: SdkEngine;

  before(async () => {
    e = await startSdkEngine(await demoTasks(), { RUNLIGHT_ELECTRIC_LIVE_POLL_MS: '3000' });
    const wanted = ['progress-task', 'multi-stream', 'failing-task', 'echo', 'sleeper', 'await-token'];
    await waitFor(
      async () => {
        const ids = (await e.client.listTasks()).tasks.map((t) => t.id);
        return wanted.every((w) => ids.includes(w)) ? true : undefined;
      },
      30_000,
      'demo tasks indexed',
    );
  });
  beforeEach(() => configure({ baseURL: e.url, accessToken: TR_SECRET }));
  after(async () => e?.close());

  it('tasks.trigger then runs.subscribeToRun: statuses in order up to COMPLETED, live metadata, the output', async () => {
    const handle = await tasks.trigger('progress-task', { total: 5, stepMs: 150 }, { tags: ['sdk-progress'] });
    assert.match(handle.id, /^run_/);
    assert.ok(handle.publicAccessToken, 'x-trigger-jwt came back as the handle token');
    const statuses: string[] = [];
    const progress: number[] = [];
    let last;
    for await (const run of runs.subscribeToRun(handle.id, { signal: AbortSignal.timeout(30_000) })) {
      if (statuses.at(-1) !== run.status) statuses.push(run.status);
      const p = run.metadata?.progress;
      if (typeof p === 'number' && progress.at(-1) !== p) progress.push(p);
      last = run;
    }
    assert.ok(last, 'saw the run');
    assert.equal(statuses.at(-1), 'COMPLETED');
    assert.ok(statuses.includes('EXECUTING'), `statuses: ${statuses.join(' → ')}`);
    const order = ['QUEUED', 'DEQUEUED', 'EXECUTING', 'COMPLETED'];
    assert.deepEqual(
      [...statuses].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      statuses,
      'statuses only move forward',
    );
    assert.deepEqual(last.output, { total: 5 });
    assert.deepEqual(last.payload, { total: 5, stepMs: 150 });
    assert.equal(last.metadata?.status, 'done');
    assert.deepEqual(last.tags, ['sdk-progress']);
    assert.ok(last.isCompleted && last.isSuccess && !last.isExecuting);
    assert.ok(last.finishedAt instanceof Date && last.createdAt instanceof Date);
    assert.ok(progress.length >= 3, `progress updates seen live: ${progress.join(', ')}`);
    assert.deepEqual(
      [...progress].sort((a, b) => a - b),
      progress,
    );
    assert.deepEqual(last.realtimeStreams, ['progress']);
  });

  it('.withStreams() delivers the chunks of two named streams, each in order', async () => {
    const handle = await tasks.trigger('multi-stream', { question: 'Why?' });
    const chunks: Record<string, string[]> = {};
    let finished = false;
    const expectedAnswer = 'Why? Sunlight scatters off air molecules, and short blue wavelengths scatter the most.';
    const expectedWords = expectedAnswer.split(' ').length;
    for await (const part of runs.subscribeToRun(handle.id, { signal: AbortSignal.timeout(30_000) }).withStreams<{ reasoning: string; answer: string }>()) {
      if (part.type === 'run') finished ||= part.run.status === 'COMPLETED';
      else (chunks[part.type] ??= []).push(part.chunk);
      if (finished && chunks.reasoning?.length === 3 && chunks.answer?.length === expectedWords) break;
    }
    assert.deepEqual(chunks.reasoning, ['Reading the question…', 'Recalling Rayleigh scattering…', 'Drafting an answer…']);
    assert.equal(chunks.answer?.join(''), expectedAnswer + ' ');
  });

  it('a failing task is seen FAILED with its error', async () => {
    const handle = await tasks.trigger('failing-task', { reason: 'nope, on purpose' });
    let last;
    for await (const run of runs.subscribeToRun(handle.id, { signal: AbortSignal.timeout(30_000) })) last = run;
    assert.equal(last?.status, 'FAILED');
    assert.ok(last.isFailed && last.isCompleted && !last.isSuccess);
    assert.equal(last.error?.message, 'nope, on purpose');
  });

  it('runs.retrieve, runs.list, runs.cancel and runs.replay', async () => {
    const done = await tasks.trigger('echo', { value: { nested: [1, 2] } }, { tags: ['sdk-manage'] });
    await waitFor(async () => ((await runs.retrieve(done.id)).isCompleted ? true : undefined), 20_000, 'echo done');
    const r = await runs.retrieve(done.id);
    assert.equal(r.status, 'COMPLETED');
    assert.deepEqual(r.payload, { value: { nested: [1, 2] } });
    assert.deepEqual(r.output, { echoed: { nested: [1, 2] } });
    assert.deepEqual(r.tags, ['sdk-manage']);

    const page = await runs.list({ taskIdentifier: 'echo', tag: 'sdk-manage', status: ['COMPLETED'], limit: 10 });
    assert.deepEqual(
      page.data.map((x) => x.id),
      [done.id],
    );
    assert.equal(page.data[0]!.env.name, 'dev');

    const slow = await tasks.trigger('sleeper', { ms: 60_000 });
    await waitFor(async () => ((await runs.retrieve(slow.id)).status === 'EXECUTING' ? true : undefined), 20_000, 'sleeper executing');
    assert.deepEqual(await runs.cancel(slow.id), { id: slow.id });
    let last;
    for await (const run of runs.subscribeToRun(slow.id, { signal: AbortSignal.timeout(20_000) })) {
      last = run;
      if (run.status === 'CANCELED') break;
    }
    assert.equal(last?.status, 'CANCELED');
    assert.ok(last.isCancelled && !last.isCompleted);

    const replay = await runs.replay(done.id);
    assert.notEqual(replay.id, done.id);
    await waitFor(async () => ((await runs.retrieve(replay.id)).isCompleted ? true : undefined), 20_000, 'replay done');
    assert.deepEqual((await runs.retrieve(replay.id)).output, { echoed: { nested: [1, 2] } });
  });

  it('batch.trigger then runs.subscribeToBatch and runs.subscribeToRunsWithTag see every run complete', async () => {
    const tag = `sdk-batch-${Date.now()}`;
    const b = await batch.trigger([1, 2, 3].map((value) => ({ id: 'echo', payload: { value }, options: { tags: [tag] } })));
    assert.match(b.batchId, /^batch_/);
    assert.equal(b.runCount, 3);
    await tasks.trigger('echo', { value: 'not in the batch' });

    const outputs = new Map<string, unknown>();
    for await (const run of runs.subscribeToBatch(b.batchId)) {
      if (run.status === 'COMPLETED') outputs.set(run.id, run.output);
      if (outputs.size === 3) break;
    }
    assert.deepEqual([...outputs.values()].map((o) => (o as { echoed: number }).echoed).sort(), [1, 2, 3]);

    const tagged = new Map<string, string>();
    for await (const run of runs.subscribeToRunsWithTag(tag, { createdAt: '1h' }, { signal: AbortSignal.timeout(30_000) })) {
      assert.ok(run.tags.includes(tag));
      tagged.set(run.id, run.status);
      if (tagged.size === 3 && [...tagged.values()].every((s) => s === 'COMPLETED')) break;
    }
    assert.deepEqual([...tagged.keys()].sort(), [...outputs.keys()].sort());
  });

  it('auth.createPublicToken: the token reads its run and is refused for another', async () => {
    const mine = await tasks.trigger('echo', { value: 'mine' });
    const other = await tasks.trigger('echo', { value: 'other' });
    const token = await auth.createPublicToken({ scopes: { read: { runs: [mine.id] } }, expirationTime: '10m' });
    configure({ baseURL: e.url, accessToken: token });
    assert.equal((await runs.retrieve(mine.id)).id, mine.id);
    let last;
    for await (const run of runs.subscribeToRun(mine.id, { signal: AbortSignal.timeout(20_000) })) last = run;
    assert.deepEqual(last?.output, { echoed: 'mine' });
    await assert.rejects(runs.retrieve(other.id), (err: Error & { status?: number }) => err.status === 403 && /no scope/.test(err.message));
  });

  it('wait tokens: createToken (and its idempotency key), a run waiting on it, completeToken, retrieveToken, listTokens', async () => {
    const tag = `official-${Date.now()}`;
    const key = `approve-${tag}`;
    const token = await wait.createToken({ timeout: '10m', tags: [tag], idempotencyKey: key });
    assert.match(token.id, /^waitpoint_/);
    assert.equal(token.isCached, false);
    assert.match(token.url, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(token.publicAccessToken.split('.').length === 3, 'a Public Access Token (JWT) comes with the token');
    const again = await wait.createToken({ timeout: '10m', tags: [tag], idempotencyKey: key });
    assert.deepEqual([again.id, again.isCached], [token.id, true]);

    const handle = await tasks.trigger('await-token', { tokenId: token.id });
    await waitFor(async () => ((await runs.retrieve(handle.id)).status === 'WAITING' ? true : undefined), 30_000, 'the run to wait');
    assert.equal((await wait.retrieveToken(token.id)).status, 'WAITING');

    const completedAt = Date.now();
    await wait.completeToken<{ approved: boolean }>(token.id, { approved: true });
    let last;
    for await (const run of runs.subscribeToRun(handle.id, { signal: AbortSignal.timeout(20_000) })) last = run;
    assert.equal(last?.status, 'COMPLETED');
    const output = last?.output as { ok: boolean; output: unknown; resumedAt: number };
    assert.deepEqual([output.ok, output.output], [true, { approved: true }]);
    console.log(`      token completed → task code resumed: ${output.resumedAt - completedAt} ms`);

    const done = await wait.retrieveToken<{ approved: boolean }>(token.id);
    assert.equal(done.status, 'COMPLETED');
    assert.deepEqual(done.output, { approved: true });
    assert.ok(done.completedAt instanceof Date);

    const listed: string[] = [];
    for await (const t of wait.listTokens({ tags: [tag] })) listed.push(`${t.id} ${t.status}`);
    assert.deepEqual(listed, [`${token.id} COMPLETED`]);
    // The first completion won; a second one is refused (Trigger.dev accepts it silently and changes nothing).
    await assert.rejects(wait.completeToken(token.id, { approved: false }), (err: Error & { status?: number }) => err.status === 409);
    assert.deepEqual((await wait.retrieveToken(token.id)).output, { approved: true });
  });
});
