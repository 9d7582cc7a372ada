// Queues on a real engine (SQLite, 4 forked workers): a task's own queue with concurrencyLimit, shared queue()
// objects, concurrencyKey, priority, trigger-time queue, ctx.queue; through our client, raw HTTP bodies and the
// official @trigger.dev/sdk.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { configure, tasks as officialTasks } from '@trigger.dev/sdk';
import { startEngine, type RunningEngine } from '../../../src/engine';
import { EngineClient, EngineApiError } from '../../../src/client';
import type { Run } from '../../../src/protocol';
import { followRun, makeWorkspace, waitFor } from '../../support/engine';

const KEY = 'tr_dev_runlightQueues0123456789abcdef';

const TASKS: Record<string, string> = {
  'trigger/queues.ts': `
import { task, queue } from "@trigger.dev/sdk";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const span = async (ms: number, extra: Record<string, unknown> = {}) => {
  const start = Date.now();
  await sleep(ms);
  return { start, end: Date.now(), ...extra };
};

export const oneAtATime = task({ id: "one-at-a-time", queue: { concurrencyLimit: 1 }, run: async (p: { ms: number }) => span(p.ms) });
export const free = task({ id: "free", run: async (p: { ms: number }) => span(p.ms) });

const shared = queue({ name: "shared-q", concurrencyLimit: 2 });
export const sharedA = task({ id: "shared-a", queue: shared, run: async (p: { ms: number }) => span(p.ms) });
export const sharedB = task({ id: "shared-b", queue: shared, run: async (p: { ms: number }) => span(p.ms) });

export const perKey = task({ id: "per-key", queue: { concurrencyLimit: 1 }, run: async (p: { ms: number; key: string }) => span(p.ms, { key: p.key }) });

export const whereAmI = task({ id: "where-am-i", run: async (_p: unknown, { ctx }) => ({ queue: ctx.queue }) });

// A parent and its child in one queue of limit 1: the parent waiting must not hold the slot its child needs.
const single = queue({ name: "single", concurrencyLimit: 1 });
export const child = task({ id: "q-child", queue: single, run: async () => "child done" });
export const parent = task({
  id: "q-parent",
  queue: single,
  run: async () => {
    const r = await child.triggerAndWait({});
    return r.ok ? r.output : "child failed";
  },
});
`,
};

type Span = { start: number; end: number; key?: string };

/** Most spans open at one instant. */
function maxOverlap(spans: Span[]): number {
  const points = spans.flatMap((s) => [
    [s.start, 1],
    [s.end, -1],
  ]);
  // An end at the same ms as a start closes first: back-to-back runs do not overlap.
  points.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let most = 0;
  for (const [, d] of points) most = Math.max(most, (open += d!));
  return most;
}

describe('engine: queues, concurrency limits, concurrency keys and priority', function () {
  this.timeout(120_000);
  let engine: RunningEngine;
  let client: EngineClient;
  let dir: string;

  before(async () => {
    dir = await makeWorkspace(TASKS);
    engine = await startEngine({ dir, port: 0, workers: 4, secretKey: KEY, log: () => undefined });
    client = new EngineClient({ baseURL: engine.url, accessToken: KEY });
    await waitFor(async () => ((await client.listTasks()).tasks.length >= 8 ? true : undefined), 30_000, 'tasks indexed');
    // Workers start on demand: four runs at once bring up all four, so the tests below see queue rules, not spawn times.
    await outputs(await Promise.all([0, 1, 2, 3].map(async () => (await client.trigger('free', { ms: 200 })).id)));
  });
  after(async () => {
    await engine?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function outputs(ids: string[]): Promise<Run[]> {
    const done = await Promise.all(ids.map(async (id) => (await followRun(client, id, 30_000)).at(-1)!));
    for (const r of done) assert.equal(r.status, 'COMPLETED', JSON.stringify(r.error));
    return done;
  }

  it('runs a concurrencyLimit 1 task one at a time, in trigger order, while another task runs beside it', async () => {
    const ones = [];
    for (let i = 0; i < 4; i++) ones.push((await client.trigger('one-at-a-time', { ms: 300 })).id);
    const frees = await Promise.all([0, 1, 2].map(() => client.trigger('free', { ms: 300 })));
    const one = (await outputs(ones)).map((r) => r.output as Span);
    const others = (await outputs(frees.map((f) => f.id))).map((r) => r.output as Span);
    assert.equal(maxOverlap(one), 1, `one at a time: ${JSON.stringify(one)}`);
    for (let i = 1; i < one.length; i++) assert.ok(one[i]!.start >= one[i - 1]!.end, 'in trigger order');
    assert.ok(maxOverlap([one[0]!, ...others]) >= 2, 'the other task ran while the limited one did');
    assert.ok(
      others.every((o) => o.start < one[3]!.start),
      'runs of the other task were not queued behind the limited ones',
    );
    const run = await client.retrieveRun(ones[0]!);
    assert.equal(run.queue, 'task/one-at-a-time', 'the run shows its queue');
  });

  it('shares a queue() between tasks: their runs together stay within its limit', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await client.trigger('shared-a', { ms: 250 })).id, (await client.trigger('shared-b', { ms: 250 })).id);
    const spans = (await outputs(ids)).map((r) => r.output as Span);
    assert.equal(maxOverlap(spans), 2, JSON.stringify(spans));
    assert.equal((await client.retrieveRun(ids[1]!)).queue, 'shared-q');
  });

  it('gives each concurrencyKey its own copy of the limit', async () => {
    const ids = [];
    for (const key of ['a', 'a', 'a', 'b', 'b', 'b']) ids.push((await client.trigger('per-key', { ms: 250, key }, { concurrencyKey: key })).id);
    const spans = (await outputs(ids)).map((r) => r.output as Span);
    assert.equal(maxOverlap(spans.filter((s) => s.key === 'a')), 1, 'key a one at a time');
    assert.equal(maxOverlap(spans.filter((s) => s.key === 'b')), 1, 'key b one at a time');
    assert.equal(maxOverlap(spans), 2, 'keys a and b ran side by side');
  });

  it('dequeues a run with priority ahead of runs queued up to that many seconds before it', async () => {
    const blocker = await client.trigger('one-at-a-time', { ms: 600 });
    await waitFor(async () => ((await client.retrieveRun(blocker.id)).status === 'EXECUTING' ? true : undefined), 10_000, 'the blocker runs');
    const low = await client.trigger('one-at-a-time', { ms: 50 });
    const high = await client.trigger('one-at-a-time', { ms: 50 }, { priority: 60 });
    const [, l, h] = await outputs([blocker.id, low.id, high.id]);
    assert.ok((h!.output as Span).start < (l!.output as Span).start, 'the priority run went first');
  });

  it('sends a run to another queue at trigger time; ctx.queue names the run’s queue', async () => {
    const own = await client.trigger('where-am-i', {});
    const moved = await client.trigger('where-am-i', {}, { queue: 'shared-q' });
    const [a, b] = await outputs([own.id, moved.id]);
    assert.deepEqual(a!.output, { queue: { id: 'task/where-am-i', name: 'task/where-am-i' } });
    assert.deepEqual(b!.output, { queue: { id: 'shared-q', name: 'shared-q' } });
    assert.equal(b!.queue, 'shared-q');
  });

  it('a parent waiting on its child in the same limit-1 queue does not hold the slot: both complete', async () => {
    const p = await client.trigger('q-parent', {});
    const [done] = await outputs([p.id]);
    assert.equal(done!.output, 'child done');
  });

  it('takes queue, concurrencyKey and priority from the official SDK (its { name } body shape) unchanged', async () => {
    configure({ baseURL: engine.url, accessToken: KEY });
    const h = await officialTasks.trigger('where-am-i', {}, { queue: 'shared-q', concurrencyKey: 'user-7', priority: 5 });
    const [done] = await outputs([h.id]);
    assert.deepEqual(done!.output, { queue: { id: 'shared-q', name: 'shared-q' } });
    await assert.rejects(
      officialTasks.trigger('where-am-i', {}, { queue: 'no-such-queue' }),
      (e: Error) => /options\.queue/.test(e.message) && /no-such-queue/.test(e.message),
    );
  });

  it('refuses bad queue options with invalid_request (422, as every field error of the engine) naming the field, and creates no run', async () => {
    const before = (await client.listRuns({ pageSize: 1000 })).data.length;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(engine.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string; issues?: { path: string }[] } } };
    };
    const cases: [unknown, RegExp][] = [
      [{ options: { queue: 'no-such-queue' } }, /options\.queue: no queue named "no-such-queue"/],
      [{ options: { queue: '' } }, /options\.queue/],
      [{ options: { queue: { nom: 'x' } } }, /options\.queue/],
      [{ options: { priority: -1 } }, /options\.priority/],
      [{ options: { priority: 'high' } }, /options\.priority/],
      [{ options: { concurrencyKey: '' } }, /options\.concurrencyKey/],
      [{ options: { concurrencyKey: 'a\u0000b' } }, /options\.concurrencyKey/],
    ];
    for (const [body, field] of cases) {
      const r = await post('/api/v1/tasks/free/trigger', body);
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.code, 'invalid_request');
      const text = `${r.body.error.message} ${(r.body.error.issues ?? []).map((i) => i.path).join(' ')}`;
      assert.match(text, field, JSON.stringify(r.body));
    }
    const batch = await post('/api/v1/tasks/batch', {
      items: [
        { task: 'free', payload: { ms: 1 } },
        { task: 'free', options: { queue: 'nope' } },
      ],
    });
    assert.equal(batch.status, 422);
    assert.match(batch.body.error.message, /items\.1\.options\.queue/);
    await assert.rejects(
      client.trigger('free', { ms: 1 }, { queue: 'nope' }),
      (e: unknown) => e instanceof EngineApiError && e.code === 'invalid_request' && /options\.queue/.test(e.message),
    );
    assert.equal((await client.listRuns({ pageSize: 1000 })).data.length, before, 'no run was created');
  });
});
