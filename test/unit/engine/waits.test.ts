// Runs that wait (wait.for/until, triggerAndWait): WAITING with their worker parked outside the pool's count,
// then EXECUTING again; and the composition of runs triggered from inside tasks. A real engine with 2 workers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../support/engine';
import { EngineClient } from '../../../src/client/api';

const TASKS: Record<string, string> = {
  'trigger/waits.ts': `
import { task, wait, tasks, batch, metadata } from "@trigger.dev/sdk";

export const leaf = task({ id: "leaf", run: async (p: { n: number }) => ({ n: p.n }) });
export const boom = task({ id: "boom", run: async () => { throw new TypeError("child broke"); } });

export const nest = task({
  id: "nest",
  run: async (p: { depth: number }): Promise<{ depth: number }> => {
    if (p.depth <= 0) return { depth: 0 };
    const r = await nest.triggerAndWait({ depth: p.depth - 1 });
    if (!r.ok) throw r.error;
    return { depth: r.output.depth + 1 };
  },
});

export const streamedBatches = task({
  id: "streamed-batches",
  run: async () => {
    async function* gen() { for (const n of [1, 2]) yield { payload: { n } }; }
    const handle = await leaf.batchTrigger(gen());
    const waited = await leaf.batchTriggerAndWait(ReadableStream.from([{ payload: { n: 3 } }, { payload: { n: 4 } }]));
    async function* byTask() { yield { task: leaf, payload: { n: 5 } }; }
    const mixed = await batch.triggerByTaskAndWait(byTask());
    return { triggered: handle.runs.length, waited: waited.runs.map((r) => (r.ok ? r.output.n : -1)), mixed: mixed.runs.map((r) => (r.ok ? r.output.n : -1)) };
  },
});

export const fanout = task({
  id: "fanout",
  run: async (p: { n: number }) => {
    const res = await leaf.batchTriggerAndWait(Array.from({ length: p.n }, (_, i) => ({ payload: { n: i } })));
    return { id: res.id, ok: res.runs.every((r) => r.ok), sum: res.runs.reduce((s, r) => s + (r.ok ? r.output.n : 0), 0) };
  },
});

export const napper = task({
  id: "napper",
  maxDuration: 1,
  run: async (p: { s: number }) => {
    metadata.set("before", true);
    await wait.for({ seconds: p.s });
    return { woke: true };
  },
});

export const hooked = task({
  id: "hooked",
  onWait: ({ wait }) => { metadata.append("hooks", "wait:" + wait.type); },
  onResume: ({ wait }) => { metadata.append("hooks", "resume:" + wait.type); },
  run: async () => {
    await wait.for({ seconds: 0.2 });
    await leaf.triggerAndWait({ n: 1 });
    await leaf.batchTriggerAndWait([{ payload: { n: 2 } }]);
    return "done";
  },
});

export const monthly = task({ id: "monthly", run: async () => { await wait.for({ months: 1 }); return "woke"; } });
export const until = task({
  id: "until",
  run: async () => { const t = Date.now(); await wait.until({ date: new Date(t + 600) }); return Date.now() - t; },
});

const pick = (e: any) => ({ name: e?.name, message: e?.message });

export const shapes = task({
  id: "shapes",
  run: async () => {
    const ok = await tasks.triggerAndWait<typeof leaf>("leaf", { n: 7 });
    const bad = await boom.triggerAndWait({});
    let unwrapped: unknown;
    try {
      await boom.triggerAndWait({}).unwrap();
    } catch (e: any) {
      unwrapped = { ...pick(e), cause: pick(e.cause), taskId: e.taskId, runId: typeof e.runId };
    }
    const out = await leaf.triggerAndWait({ n: 3 }).unwrap();
    const b = await batch.triggerAndWait([{ id: "leaf", payload: { n: 1 } }, { id: "boom", payload: {} }]);
    const bt = await batch.triggerByTaskAndWait([{ task: leaf, payload: { n: 2 } }]);
    const tb = await tasks.batchTriggerAndWait("leaf", [{ payload: { n: 5 } }]);
    const view = (r: any) => (r.ok ? { ok: true, task: r.taskIdentifier, output: r.output, id: typeof r.id } : { ok: false, task: r.taskIdentifier, error: pick(r.error), id: typeof r.id });
    return {
      ok: { ...view(ok), keys: Object.keys(ok).sort() },
      bad: { ...view(bad), keys: Object.keys(bad).sort(), isError: bad.ok ? false : bad.error instanceof Error },
      unwrapped,
      out,
      b: { id: typeof b.id, runs: b.runs.map(view) },
      bt: bt.runs.map(view),
      tb: { batch: tb.id.startsWith("batch_"), runs: tb.runs.map(view) },
    };
  },
});

export const lineage = task({
  id: "lineage",
  run: async (_p: unknown, { ctx }) => {
    metadata.parent.set("fromChild", ctx.run.id);
    metadata.root.set("fromGrandchild", ctx.run.id);
    await metadata.flush();
    return { parent: ctx.run.parentTaskRunId ?? null, root: ctx.run.rootTaskRunId ?? null };
  },
});
export const mid = task({
  id: "mid",
  run: async (_p: unknown, { ctx }) => {
    const h = await tasks.trigger("lineage", {});
    // Waits for the run it triggered with tasks.trigger by polling: only the waiting forms park.
    for (;;) {
      const r = await (await import("@trigger.dev/sdk")).runs.retrieve(h.id);
      if (r.isCompleted) return { child: h.id, self: ctx.run.id, parent: ctx.run.parentTaskRunId ?? null };
      await new Promise((res) => setTimeout(res, 50));
    }
  },
});
/** Fails attempt 1 after its child ended; a retry of a failed attempt triggers its own children. */
export const retrier = task({
  id: "retrier",
  retry: { maxAttempts: 2, minTimeoutInMs: 10, maxTimeoutInMs: 10 },
  run: async (p: { key?: string }, { ctx }) => {
    const n = ctx.attempt.number;
    const r = await leaf.triggerAndWait({ n: 10 + n }, p.key ? { idempotencyKey: p.key } : undefined).unwrap();
    if (n === 1) throw new Error("attempt 1 fails after its child");
    return r;
  },
});
export const top = task({
  id: "top",
  run: async () => (await tasks.triggerAndWait("mid", {})).ok ? "done" : "failed",
});
`,
};

/** Worker processes alive (children of this process, where the test engine runs), parked ones included. */
function workerProcesses(): number {
  const out = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('worker.js')).length;
}

describe('engine: runs that wait, and runs triggered from inside tasks', function () {
  this.timeout(180_000);
  let t: TestEngine;

  before(async () => {
    t = await startTestEngine(TASKS, { workers: 2 });
    await waitFor(async () => ((await t.client.listTasks()).tasks.length >= 10 ? true : undefined), 30_000, 'tasks indexed');
  });
  after(async () => t?.close());

  it('shows a waiting run as WAITING in the API and the feed, then EXECUTING, then COMPLETED; the wait does not count toward maxDuration', async () => {
    const { id } = await t.client.trigger('napper', { s: 2 });
    const waiting = await waitFor(
      async () => {
        const r = await t.client.retrieveRun(id);
        return r.status === 'WAITING' ? r : undefined;
      },
      10_000,
      'WAITING in the API',
    );
    assert.equal(waiting.isWaiting, true);
    assert.equal(waiting.waitingFor?.kind, 'time', 'the public run says what it waits for');
    assert.ok(waiting.waitingFor?.kind === 'time' && Date.parse(waiting.waitingFor.until) > Date.parse(waiting.createdAt), JSON.stringify(waiting.waitingFor));
    assert.equal(waiting.metadata?.before, true, 'metadata set before the wait is visible while it waits');
    const seen = [];
    // Last-Event-ID 0 replays every change of the run from the change log.
    for await (const run of t.client.subscribeToRun(id, { lastEventId: '0', signal: AbortSignal.timeout(15_000) })) seen.push(run);
    // One per change: the metadata write repeats EXECUTING.
    const statuses = seen.map((r) => r.status).filter((s, i, all) => s !== all[i - 1]);
    assert.equal(statuses.at(-1), 'COMPLETED', JSON.stringify(statuses));
    assert.deepEqual(statuses, ['QUEUED', 'DEQUEUED', 'EXECUTING', 'WAITING', 'EXECUTING', 'COMPLETED']);
    const last = seen.at(-1)!;
    assert.deepEqual(last.output, { woke: true });
    assert.equal(last.waitingFor, undefined, 'waitingFor is gone once the run resumed');
    assert.ok(last.durationMs < 1000, `durationMs is compute time (${last.durationMs})`);
  });

  it('waits for wait.until and for a month (not at once)', async () => {
    const u = await t.client.trigger('until', {});
    const last = (await followRun(t.client, u.id)).at(-1)!;
    assert.equal(last.status, 'COMPLETED');
    assert.ok((last.output as number) >= 590, `waited ${String(last.output)} ms`);
    const m = await t.client.trigger('monthly', {});
    await waitFor(async () => ((await t.client.retrieveRun(m.id)).status === 'WAITING' ? true : undefined), 10_000, 'the month-long wait');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await t.client.retrieveRun(m.id)).status, 'WAITING');
    await t.client.cancelRun(m.id);
    const cancelled = await waitFor(
      async () => {
        const r = await t.client.retrieveRun(m.id);
        return r.status === 'CANCELED' ? r : undefined;
      },
      10_000,
      'the waiting run cancelled',
    );
    assert.equal(cancelled.isCancelled, true);
  });

  it('calls onWait before and onResume after each wait, with what it waits for', async () => {
    const { id } = await t.client.trigger('hooked', {});
    const last = (await followRun(t.client, id)).at(-1)!;
    assert.equal(last.status, 'COMPLETED');
    assert.deepEqual(last.metadata?.hooks, ['wait:duration', 'resume:duration', 'wait:task', 'resume:task', 'wait:batch', 'resume:batch']);
  });

  it('gives triggerAndWait results with Trigger.dev shapes; unwrap throws SubtaskUnwrapError; a failed child is ok: false with its error', async () => {
    const { id } = await t.client.trigger('shapes', {});
    const last = (await followRun(t.client, id, 60_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
    const o = last.output as Record<string, unknown>;
    assert.deepEqual(o.ok, { ok: true, task: 'leaf', output: { n: 7 }, id: 'string', keys: ['id', 'ok', 'output', 'taskIdentifier'] });
    assert.deepEqual(o.bad, {
      ok: false,
      task: 'boom',
      error: { name: 'TypeError', message: 'child broke' },
      id: 'string',
      keys: ['error', 'id', 'ok', 'taskIdentifier'],
      isError: true,
    });
    assert.deepEqual(o.unwrapped, {
      name: 'SubtaskUnwrapError',
      message: 'Error in boom: child broke',
      cause: { name: 'TypeError', message: 'child broke' },
      taskId: 'boom',
      runId: 'string',
    });
    assert.deepEqual(o.out, { n: 3 });
    assert.deepEqual(o.b, {
      id: 'string',
      runs: [
        { ok: true, task: 'leaf', output: { n: 1 }, id: 'string' },
        { ok: false, task: 'boom', error: { name: 'TypeError', message: 'child broke' }, id: 'string' },
      ],
    });
    assert.deepEqual(o.bt, [{ ok: true, task: 'leaf', output: { n: 2 }, id: 'string' }]);
    assert.deepEqual(o.tb, { batch: true, runs: [{ ok: true, task: 'leaf', output: { n: 5 }, id: 'string' }] });
  });

  it('a retry after a failed attempt triggers new children (only a lost attempt gets its children back); a key of the caller is kept', async () => {
    const { id } = await t.client.trigger('retrier', {});
    const last = (await followRun(t.client, id, 60_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
    assert.equal(last.attemptCount, 2);
    assert.deepEqual(last.output, { n: 12 });
    const key = `mine-${Date.now()}`;
    const keyed = (await followRun(t.client, (await t.client.trigger('retrier', { key })).id, 60_000)).at(-1)!;
    // The caller's key finds attempt 1's child again: its output, not a new run.
    assert.deepEqual(keyed.output, { n: 11 });
    const leaves = (await t.client.listRuns({ taskIdentifier: 'leaf', pageSize: 1000 })).data.filter((r) => r.parentTaskRunId === keyed.id);
    assert.equal(leaves.length, 1);
  });

  it("gives a run's timeline: each attempt with how it ended, each wait with what it waited on; a token scoped to the run reads it", async () => {
    const { id } = await t.client.trigger('retrier', {});
    const last = (await followRun(t.client, id, 60_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
    const tl = await t.client.runTimeline(id);
    assert.equal(tl.runId, id);
    assert.deepEqual(
      tl.attempts.map((a) => [a.number, a.outcome, a.error]),
      [
        [1, 'failed', 'attempt 1 fails after its child'],
        [2, 'completed', undefined],
      ],
    );
    assert.equal(tl.waits.length, 2, JSON.stringify(tl.waits));
    const children = (await t.client.listRuns({ parentRunId: id, pageSize: 10 })).data;
    for (const [i, w] of tl.waits.entries()) {
      assert.equal(w.on.kind, 'runs');
      assert.ok(w.on.kind === 'runs' && w.on.runIds.length === 1 && children.some((c) => w.on.kind === 'runs' && c.id === w.on.runIds[0]));
      // Each wait lies inside its attempt, which ends after the run resumed.
      const a = tl.attempts[i]!;
      assert.ok(Date.parse(a.startedAt) <= Date.parse(w.startedAt), `${a.startedAt} ≤ ${w.startedAt}`);
      assert.ok(w.endedAt && Date.parse(w.endedAt) <= Date.parse(a.endedAt!), `${w.endedAt} ≤ ${a.endedAt}`);
    }
    assert.equal(tl.attempts[1]!.endedAt, last.finishedAt);
    assert.equal(tl.truncated, undefined);

    const token = await t.client.createPublicToken([`read:runs:${id}`]);
    const reader = new EngineClient({ baseURL: t.url, accessToken: token });
    assert.equal((await reader.runTimeline(id)).attempts.length, 2);
    const other = await t.client.trigger('leaf', { n: 1 });
    await assert.rejects(reader.runTimeline(other.id), /403|scope|not allowed|permission/i);
    await assert.rejects(t.client.runTimeline('run_doesnotexist'), /run_doesnotexist does not exist/);
  });

  it('gives runs triggered with tasks.trigger inside a task their parent and root; metadata.parent and metadata.root reach them', async () => {
    const { id } = await t.client.trigger('top', {});
    const last = (await followRun(t.client, id, 30_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
    const mids = await t.client.listRuns({ taskIdentifier: ['mid'] });
    const mid = mids.data.find((r) => r.createdAt >= last.createdAt)!;
    const midOut = mid.output as { child: string; self: string; parent: string };
    assert.equal(midOut.parent, id);
    const child = await t.client.retrieveRun(midOut.child);
    assert.deepEqual(child.output, { parent: mid.id, root: id });
    assert.equal(mid.metadata?.fromChild, midOut.child, 'metadata.parent reached the parent, not the child');
    assert.equal(last.metadata?.fromGrandchild, midOut.child, 'metadata.root reached the root');
    assert.equal(child.metadata?.fromChild, undefined);
    // Depth, as the official SDK's runs.retrieve sees it.
    const depthOf = async (runId: string) => {
      const res = await fetch(`${t.url}/api/v3/runs/${runId}`, { headers: { authorization: `Bearer ${t.key}`, 'x-trigger-api-version': '2' } });
      return ((await res.json()) as { depth: number }).depth;
    };
    assert.deepEqual([await depthOf(id), await depthOf(mid.id), await depthOf(midOut.child)], [0, 1, 2]);
    // The same lineage on the public run object every feed carries (absent on the top-level run).
    assert.deepEqual([child.parentTaskRunId, child.rootTaskRunId, child.depth], [mid.id, id, 2]);
    assert.deepEqual([mid.parentTaskRunId, mid.rootTaskRunId, mid.depth], [id, id, 1]);
    assert.equal(last.parentTaskRunId, undefined);
    // The official SDK's runs.retrieve gets relatedRuns.parent / root.
    const res = await fetch(`${t.url}/api/v3/runs/${midOut.child}`, { headers: { authorization: `Bearer ${t.key}`, 'x-trigger-api-version': '2' } });
    const related = ((await res.json()) as { relatedRuns: { parent?: { id: string; depth: number; payload?: unknown }; root?: { id: string } } }).relatedRuns;
    assert.deepEqual([related.parent?.id, related.parent?.depth, related.root?.id], [mid.id, 1, id]);
    assert.equal(related.parent && 'payload' in related.parent, false, 'related runs carry no payload');
  });

  it('takes batch items as an async generator or a ReadableStream, as the official SDK does', async () => {
    const { id } = await t.client.trigger('streamed-batches', {});
    const last = (await followRun(t.client, id, 30_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', last.error?.message);
    assert.deepEqual(last.output, { triggered: 2, waited: [3, 4], mixed: [5] });
  });

  it('completes triggerAndWait nested ten deep on the default pool (2 workers)', async () => {
    const started = Date.now();
    const { id } = await t.client.trigger('nest', { depth: 10 });
    const last = (await followRun(t.client, id, 60_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
    assert.deepEqual(last.output, { depth: 10 });
    console.log(`      ten deep: ${Date.now() - started} ms`);
  });

  it('completes 100 parents each waiting on a batch of 10 children', async () => {
    const before = workerProcesses();
    assert.equal(before, 2);
    const started = Date.now();
    const { runs } = await t.client.batchTrigger(Array.from({ length: 100 }, () => ({ task: 'fanout', payload: { n: 10 } })));
    let most = 0;
    let mostWaiting = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, workerProcesses());
    }, 200);
    try {
      await waitFor(
        async () => {
          const page = await t.client.listRuns({ taskIdentifier: ['fanout'], pageSize: 1000 });
          const mine = page.data.filter((r) => runs.some((x) => x.id === r.id));
          mostWaiting = Math.max(mostWaiting, mine.filter((r) => r.status === 'WAITING').length);
          return mine.length === 100 && mine.every((r) => r.status === 'COMPLETED') ? true : undefined;
        },
        150_000,
        '100 parents completed',
      );
    } finally {
      clearInterval(sampler);
    }
    const one = await t.client.retrieveRun(runs[0]!.id);
    assert.deepEqual({ ok: (one.output as { ok: boolean }).ok, sum: (one.output as { sum: number }).sum }, { ok: true, sum: 45 });
    console.log(`      100 × 10: ${Date.now() - started} ms; at most ${mostWaiting} parents WAITING at once, ${most} worker processes`);
    await waitFor(() => (workerProcesses() <= before ? true : undefined), 20_000, 'the pool back to 2 workers');
  });
});

describe('engine: the bound on parked workers (RUNLIGHT_MAX_PARKED)', function () {
  this.timeout(60_000);
  let t: TestEngine;

  before(async () => {
    process.env.RUNLIGHT_MAX_PARKED = '1';
    try {
      t = await startTestEngine(
        {
          'trigger/nap.ts': `
import { task, wait } from "@trigger.dev/sdk";
export const nap = task({ id: "nap", run: async () => { await wait.for({ seconds: 2 }); return "woke"; } });
`,
        },
        { workers: 2 },
      );
    } finally {
      delete process.env.RUNLIGHT_MAX_PARKED;
    }
    await waitFor(async () => ((await t.client.listTasks()).tasks.length >= 1 ? true : undefined), 30_000, 'tasks indexed');
  });
  after(async () => t?.close());

  it('refuses a wait past the bound with an error naming the setting; the run within it completes', async () => {
    const first = await t.client.trigger('nap', {});
    await waitFor(async () => ((await t.client.retrieveRun(first.id)).status === 'WAITING' ? true : undefined), 10_000, 'first run WAITING');
    const second = await t.client.trigger('nap', {});
    const refused = (await followRun(t.client, second.id)).at(-1)!;
    assert.equal(refused.status, 'FAILED');
    assert.match(refused.error?.message ?? '', /RUNLIGHT_MAX_PARKED=1/);
    const done = (await followRun(t.client, first.id)).at(-1)!;
    assert.equal(done.status, 'COMPLETED');
    assert.equal(done.output, 'woke');
  });
});
