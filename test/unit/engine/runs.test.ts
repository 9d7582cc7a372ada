import assert from 'node:assert/strict';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../support/engine';
import { TASKS } from './fixtures';
import type { Run } from '../../../src/protocol';

describe('engine: runs from trigger to a terminal status', function () {
  this.timeout(60_000);
  let t: TestEngine;

  before(async () => {
    t = await startTestEngine(TASKS, { workers: 2, stopGraceMs: 200 });
    await waitFor(async () => ((await t.client.listTasks()).tasks.length >= 10 ? true : undefined), 30_000, 'tasks indexed');
  });
  after(async () => t?.close());

  it('lists the discovered tasks with file and line', async () => {
    const { tasks, errors } = await t.client.listTasks();
    assert.deepEqual(errors, []);
    const echo = tasks.find((x) => x.id === 'echo');
    assert.ok(echo, 'echo task discovered');
    assert.equal(echo.filePath, 'trigger/basic.ts');
    assert.ok((echo.line ?? 0) > 1);
  });

  it('runs a task to COMPLETED with its output, and returns a read token for the run', async () => {
    const handle = await t.client.trigger('echo', { value: 42 });
    assert.match(handle.id, /^run_/);
    assert.ok(handle.publicAccessToken, 'x-trigger-jwt returned');
    const pat = t.client.withAccessToken(handle.publicAccessToken!);
    const seen = [];
    // Last-Event-ID 0 replays every change of the run from the change log.
    for await (const run of pat.subscribeToRun(handle.id, { lastEventId: '0', signal: AbortSignal.timeout(15_000) })) seen.push(run);
    const last = seen.at(-1)!;
    assert.equal(last.status, 'COMPLETED');
    assert.deepEqual(last.output, { echoed: 42 });
    assert.ok(last.finishedAt && last.startedAt);
    assert.equal(last.isCompleted, true);
    assert.equal(last.isSuccess, true);
    assert.equal(last.attemptCount, 1);
    assert.deepEqual(
      seen.map((r) => r.status),
      ['QUEUED', 'DEQUEUED', 'EXECUTING', 'COMPLETED'],
    );
  });

  it('streams chunks in order, registers stream keys, and keeps metadata progress', async () => {
    const { id } = await t.client.trigger('streamer', { n: 30 });
    const chunks: unknown[] = [];
    for await (const c of t.client.subscribeToStream(id, 'tokens', { signal: AbortSignal.timeout(15_000) })) chunks.push(c.value);
    assert.deepEqual(
      chunks,
      Array.from({ length: 30 }, (_, i) => `t${i} `),
    );
    const run = await t.client.retrieveRun(id);
    assert.equal(run.status, 'COMPLETED');
    assert.deepEqual(run.realtimeStreams.sort(), ['bytes', 'tokens']);
    assert.equal(run.metadata?.progress, 1);
    const bytes: unknown[] = [];
    for await (const c of t.client.subscribeToStream(id, 'bytes', { signal: AbortSignal.timeout(5_000) })) bytes.push(c.value);
    assert.deepEqual(bytes, [new Uint8Array([0, 1, 2, 250])]);
    const logs: unknown[] = [];
    for await (const c of t.client.subscribeToStream(id, '$logs', { signal: AbortSignal.timeout(5_000) })) logs.push(c.value);
    assert.ok(
      logs.some((l) => (l as { message: string }).message.includes('streamed 30')),
      JSON.stringify(logs),
    );
  });

  it('applies tags and metadata operations from inside a task', async () => {
    const { id } = await t.client.trigger('tagger', {}, { tags: ['first'] });
    const last = (await followRun(t.client, id)).at(-1)!;
    assert.equal(last.status, 'COMPLETED');
    assert.deepEqual([...last.tags].sort(), ['added:later', 'first']);
    assert.deepEqual(last.metadata, { a: 1, count: 2, list: ['x'] });
    assert.deepEqual(last.output, { a: 1, count: 2, list: ['x'] });
  });

  it('retries a failing task and ends FAILED with the error and stack', async () => {
    const { id } = await t.client.trigger('fails', {});
    const seen = await followRun(t.client, id, 20_000);
    const last = seen.at(-1)!;
    assert.equal(last.status, 'FAILED');
    assert.equal(last.attemptCount, 2);
    assert.equal(last.error?.message, 'boom on purpose');
    assert.match(last.error?.stackTrace ?? '', /faults\.ts|boom/);
    assert.equal(last.isFailed, true);
  });

  it('ends CRASHED when the worker process exits, and the pool keeps serving', async () => {
    const { id } = await t.client.trigger('exits', {});
    const last = (await followRun(t.client, id)).at(-1)!;
    assert.equal(last.status, 'CRASHED');
    assert.match(last.error?.message ?? '', /exit code 3/);
    const again = await t.client.trigger('echo', { value: 'after crash' });
    assert.equal((await followRun(t.client, again.id)).at(-1)!.status, 'COMPLETED');
  });

  it('ends TIMED_OUT past maxDuration, even in a busy loop', async () => {
    for (const task of ['too-slow', 'spins']) {
      const { id } = await t.client.trigger(task, {});
      const last = (await followRun(t.client, id)).at(-1)!;
      assert.equal(last.status, 'TIMED_OUT', task);
      assert.match(last.error?.message ?? '', /maxDuration/);
    }
  });

  it('runs a task whose maxDuration is timeout.None (2^31 - 1 s, past what setTimeout takes) to COMPLETED', async () => {
    const { id } = await t.client.trigger('no-limit', {});
    const last = (await followRun(t.client, id)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', last.error?.message);
    assert.equal(last.output, 'done');
  });

  it('ends FAILED on an uncaught exception thrown later in the task', async () => {
    const { id } = await t.client.trigger('uncaught', {});
    const last = (await followRun(t.client, id)).at(-1)!;
    assert.equal(last.status, 'FAILED');
    assert.match(last.error?.message ?? '', /thrown later/);
  });

  it('cancels an executing run (CANCELED, not isCompleted) and a delayed one', async () => {
    const { id } = await t.client.trigger('sleeper', { ms: 30_000 });
    await waitFor(async () => ((await t.client.retrieveRun(id)).status === 'EXECUTING' ? true : undefined), 10_000, 'executing');
    await t.client.cancelRun(id);
    const run = await t.client.retrieveRun(id);
    assert.equal(run.status, 'CANCELED');
    assert.equal(run.isCancelled, true);
    assert.equal(run.isCompleted, false);
    assert.ok(run.finishedAt);

    const delayed = await t.client.trigger('echo', {}, { delay: '1h' });
    assert.equal((await t.client.retrieveRun(delayed.id)).status, 'DELAYED');
    await t.client.cancelRun(delayed.id);
    assert.equal((await t.client.retrieveRun(delayed.id)).status, 'CANCELED');
  });

  it('holds a delayed run until its time, then runs it', async () => {
    const { id } = await t.client.trigger('echo', { value: 'later' }, { delay: '1s' });
    const first = await t.client.retrieveRun(id);
    assert.equal(first.status, 'DELAYED');
    assert.ok(first.delayedUntil);
    const last = (await followRun(t.client, id)).at(-1)!;
    assert.equal(last.status, 'COMPLETED');
    assert.ok(Date.parse(last.startedAt!) >= Date.parse(first.delayedUntil!) - 5);
  });

  it('returns the same run for a repeated idempotency key', async () => {
    const a = await t.client.trigger('echo', { value: 1 }, { idempotencyKey: 'same-key' });
    const b = await t.client.trigger('echo', { value: 2 }, { idempotencyKey: 'same-key' });
    assert.equal(a.id, b.id);
  });

  it("gives a batch item with an idempotency key seen before that key's run; the other items are new", async () => {
    const first = await t.client.trigger('echo', { value: 'kept' }, { idempotencyKey: 'batch-item-key' });
    const batch = await t.client.batchTrigger([
      { task: 'echo', payload: { value: 'again' }, options: { idempotencyKey: 'batch-item-key' } },
      { task: 'echo', payload: { value: 'new' } },
    ]);
    assert.equal(batch.runs[0]?.id, first.id);
    assert.notEqual(batch.runs[1]?.id, first.id);
    assert.deepEqual((await t.client.retrieveRun(first.id)).payload, { value: 'kept' });
  });

  it('replays a run with the same task, payload and tags', async () => {
    const a = await t.client.trigger('echo', { value: 'again' }, { tags: ['replayed'] });
    await followRun(t.client, a.id);
    const b = await t.client.replayRun(a.id);
    assert.notEqual(b.id, a.id);
    const last = (await followRun(t.client, b.id)).at(-1)!;
    assert.deepEqual(last.output, { echoed: 'again' });
    assert.deepEqual(last.tags, ['replayed']);
  });

  it('fails a run of an unknown task with a readable error', async () => {
    const { id } = await t.client.trigger('no-such-task', {});
    const last = (await followRun(t.client, id)).at(-1)!;
    assert.equal(last.status, 'FAILED');
    assert.match(last.error?.message ?? '', /no-such-task.*not found/);
  });

  it('batch-triggers runs that share a batch id, seen on the batch feed and the tag feed', async () => {
    const batch = await t.client.batchTrigger([
      { task: 'echo', payload: { value: 1 }, options: { tags: ['user:123', 'b'] } },
      { task: 'echo', payload: { value: 2 }, options: { tags: ['user:123'] } },
      { task: 'echo', payload: { value: 3 }, options: { tags: ['user:123', 'b'] } },
    ]);
    assert.match(batch.batchId, /^batch_/);
    assert.equal(batch.runs.length, 3);
    const ids = new Set(batch.runs.map((r) => r.id));
    const pat = t.client.withAccessToken(batch.publicAccessToken!);
    const done = new Map<string, Run>();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 15_000);
    for await (const run of pat.subscribeToBatch(batch.batchId, { signal: ac.signal })) {
      assert.ok(ids.has(run.id));
      assert.equal(run.batchId, batch.batchId);
      if (run.status === 'COMPLETED') done.set(run.id, run);
      if (done.size === 3) break;
    }
    clearTimeout(timer);
    assert.equal(done.size, 3);
    // Tag feed: runs having all the tags.
    const both = new Set<string>();
    const ac2 = new AbortController();
    const timer2 = setTimeout(() => ac2.abort(), 3_000);
    try {
      for await (const run of t.client.subscribeToRunsWithTag(['user:123', 'b'], { signal: ac2.signal })) {
        if (ids.has(run.id)) both.add(run.id);
        if (both.size === 2) break;
      }
    } catch {
      /* aborted */
    }
    clearTimeout(timer2);
    assert.equal(both.size, 2);
    const list = await t.client.listRuns({ batch: batch.batchId });
    assert.equal(list.data.length, 3);
  });

  it('lists runs newest first with filters and pages', async () => {
    const page1 = await t.client.listRuns({ taskIdentifier: 'echo', pageSize: 2 });
    assert.equal(page1.data.length, 2);
    assert.ok(page1.pagination.next);
    const page2 = await t.client.listRuns({ taskIdentifier: 'echo', pageSize: 2, after: page1.pagination.next });
    assert.ok(page2.data.length >= 1);
    assert.ok(!page2.data.some((r) => page1.data.some((p) => p.id === r.id)));
    assert.ok(page1.data[0]!.createdAt >= page1.data[1]!.createdAt);
    const failed = await t.client.listRuns({ status: ['FAILED'] });
    assert.ok(failed.data.length >= 1 && failed.data.every((r) => r.status === 'FAILED'));
  });
});
