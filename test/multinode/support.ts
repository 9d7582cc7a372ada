import type { EngineClient } from '../../src/client';
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
