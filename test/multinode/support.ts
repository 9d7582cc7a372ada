import assert from 'node:assert/strict';
import { Client } from 'pg';
import type { EngineClient } from '../../src/client';
import type { Run } from '../../src/protocol';
import { spawnEngine, type ChildEngine } from '../support/child-engine';
import { makeWorkspace } from '../support/engine';

/** Helpers for the multi-node tests: engine nodes as real processes (`dist/cli.js dev --store postgres://…`). */

/** Every node of a cluster shares one secret key. */
export const SECRET = 'rl_dev_multinodesecretkey0123456789ab';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface EngineNode extends ChildEngine {
  /** n1, n2, n3: also handed to its task workers as RUNLIGHT_TEST_NODE. */
  name: string;
  dir: string;
}

export interface NodeOptions {
  workers?: number;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** A node on its own temp workspace holding `files`, on the shared database `storeUrl`. */
export async function startNode(name: string, storeUrl: string, files: Record<string, string>, o: NodeOptions = {}): Promise<EngineNode> {
  const dir = await makeWorkspace(files);
  const engine = await spawnEngine(dir, {
    secret: SECRET,
    workers: o.workers,
    args: ['--store', storeUrl],
    env: { RUNLIGHT_TEST_NODE: name, ...o.env },
    timeoutMs: o.timeoutMs ?? 60_000,
    label: `node ${name}`,
    // Generous REST limit: the first request waits for the task build (esbuild-wasm), slow on a loaded machine.
    client: { requestTimeoutMs: 120_000, sse: { backoff: { initialMs: 50, maxMs: 500 } } },
  });
  return { ...engine, name, dir };
}

/** Waits until the node lists every task of `ids` (task files are bundled in the background). */
export async function waitForTasks(client: EngineClient, ids: readonly string[], timeoutMs = 150_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { tasks } = await client.listTasks();
    if (ids.every((id) => tasks.some((t) => t.id === id))) return;
    if (Date.now() > until) throw new Error(`tasks ${ids.join(', ')} were not discovered in ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in item order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/**
 * Task files of the multi-node tests. Every execution appends `<runId> <node> <attempt> <workerPid>` to
 * the file named in its payload (`log`), so a test can count executions per run and per node.
 */
export const MULTINODE_TASKS: Record<string, string> = {
  'trigger/multinode.ts': `
import { task, streams } from "@trigger.dev/sdk";
import { appendFileSync, existsSync } from "node:fs";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const node = process.env.RUNLIGHT_TEST_NODE ?? "?";
const mark = (file: string | undefined, ctx: { run: { id: string }; attempt: { number: number } }) => {
  if (file) appendFileSync(file, ctx.run.id + " " + node + " " + ctx.attempt.number + " " + process.pid + "\\n");
};

export const noop = task({
  id: "noop",
  run: async (p: { log?: string }, { ctx }) => {
    mark(p?.log, ctx);
    return { node, pid: process.pid };
  },
});

/** Appends n chunks {i} to "tokens", pausing delayMs between them, then waits (≤ 60 s) for the file waitFor. */
export const streamer = task({
  id: "streamer",
  run: async (p: { log?: string; n: number; delayMs?: number; waitFor?: string }, { ctx }) => {
    mark(p?.log, ctx);
    for (let i = 0; i < p.n; i++) {
      await streams.append("tokens", { i, node });
      if (p.delayMs) await sleep(p.delayMs);
    }
    const until = Date.now() + 60_000;
    while (p.waitFor && !existsSync(p.waitFor) && Date.now() < until) await sleep(20);
    return { node, n: p.n };
  },
});

/** Sleeps ms; retried once when its node dies. */
export const slow2 = task({
  id: "slow2",
  retry: { maxAttempts: 2, minTimeoutInMs: 10 },
  run: async (p: { log?: string; ms: number }, { ctx }) => {
    mark(p?.log, ctx);
    await sleep(p.ms);
    return { node, attempt: ctx.attempt.number };
  },
});

/** Sleeps ms; no attempt left when its node dies. */
export const slow1 = task({
  id: "slow1",
  retry: { maxAttempts: 1 },
  run: async (p: { log?: string; ms: number }, { ctx }) => {
    mark(p?.log, ctx);
    await sleep(p.ms);
    return { node, attempt: ctx.attempt.number };
  },
});
`,
};

export const TASK_IDS = ['noop', 'streamer', 'slow2', 'slow1'] as const;

export interface Execution {
  runId: string;
  node: string;
  attempt: number;
  pid: number;
}

export function parseExecutions(text: string): Execution[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [runId, node, attempt, pid] = l.split(' ');
      return { runId: runId!, node: node!, attempt: Number(attempt), pid: Number(pid) };
    });
}

/** A run feed as received: each run state with its SSE id (the change log seq) and arrival time. */
export interface Received {
  seq: number;
  run: Run;
  at: number;
}

/**
 * Follows `subscribeToAllRuns` on one node until `signal` aborts. A run counts as received once its id was
 * handed to onEventId (the client's documented resume point), so `last()` is what a client would persist.
 * It resumes after `lastEventId`, by default 0: the whole change log, however late the feed opens. (A feed
 * without one starts with a snapshot of the runs as of the moment it opens; on a busy machine that may be after
 * the first runs changed, and the snapshot rightly gives their newest state only.)
 */
export function follow(client: EngineClient, signal: AbortSignal, lastEventId = '0') {
  const runs: Run[] = [];
  const at: number[] = [];
  const ids: string[] = [];
  const done = (async () => {
    for await (const r of client.subscribeToAllRuns({ signal, lastEventId, onEventId: (id) => ids.push(id) })) {
      runs.push(r);
      at.push(Date.now());
    }
  })().catch((e: unknown) => {
    if (!signal.aborted) throw e;
  });
  const received = (): Received[] => {
    const n = Math.min(runs.length, ids.length);
    return Array.from({ length: n }, (_, i) => ({ seq: Number(ids[i]), run: runs[i]!, at: at[i]! }));
  };
  return { done, received, count: () => Math.min(runs.length, ids.length) };
}

/** The change log as stored: (seq, runId, status) of every event, in seq order. */
export async function changeLog(url: string): Promise<{ seq: number; runId: string; status: string }[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const res = await c.query<{ seq: string; run_id: string; data: string }>('SELECT seq, run_id, data::text AS data FROM run_events ORDER BY seq');
    return res.rows.map((r) => ({ seq: Number(r.seq), runId: r.run_id, status: (JSON.parse(r.data) as { status: string }).status }));
  } finally {
    await c.end();
  }
}

export function assertSameAsLog(what: string, got: Received[], log: { seq: number; runId: string; status: string }[]): void {
  for (let i = 1; i < got.length; i++) {
    if (got[i]!.seq <= got[i - 1]!.seq) assert.fail(`${what}: seq ${got[i]!.seq} after ${got[i - 1]!.seq} (index ${i}): not in seq order`);
  }
  const gotSeqs = got.map((r) => r.seq);
  const logSeqs = log.map((e) => e.seq);
  const missing = logSeqs.filter((s) => !gotSeqs.includes(s));
  assert.equal(
    got.length,
    log.length,
    `${what}: ${got.length} events received, ${log.length} in the change log; first missing: ${missing.slice(0, 5).join(', ')}`,
  );
  for (let i = 0; i < log.length; i++) {
    const g = got[i]!;
    const e = log[i]!;
    if (g.seq !== e.seq || g.run.id !== e.runId || g.run.status !== e.status) {
      assert.fail(`${what}: event ${i} is seq ${g.seq} ${g.run.id} ${g.run.status}; the log has seq ${e.seq} ${e.runId} ${e.status}`);
    }
  }
}

export async function waitUntil(what: string, ms: number, ok: () => boolean | Promise<boolean>): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}
