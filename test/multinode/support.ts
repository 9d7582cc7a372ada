import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EngineClient } from '../../src/client';
import { makeWorkspace, repoRoot } from '../support/engine';

/** Helpers for the multi-node tests: engine nodes as real processes (`dist/cli.js dev --store postgres://…`). */

export const CLI = join(repoRoot, 'dist/cli.js');
/** Every node of a cluster shares one secret key. */
export const SECRET = 'rl_dev_multinodesecretkey0123456789ab';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface EngineNode {
  /** n1, n2, n3: also handed to its task workers as RUNLIGHT_TEST_NODE. */
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  dir: string;
  client: EngineClient;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful close) and wait; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface NodeOptions {
  workers?: number;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** A node on its own temp workspace holding `files`, on the shared database `storeUrl`. */
export async function startNode(name: string, storeUrl: string, files: Record<string, string>, o: NodeOptions = {}): Promise<EngineNode> {
  const dir = await makeWorkspace(files);
  const args = [CLI, 'dev', '--dir', dir, '--port', '0', '--store', storeUrl, '--workers', String(o.workers ?? 2)];
  const env: NodeJS.ProcessEnv = { ...process.env, RUNLIGHT_SECRET_KEY: SECRET, RUNLIGHT_TEST_NODE: name, ...o.env };
  delete env['RUNLIGHT_DATABASE_URL'];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-100_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${name} did not start in time; stderr:\n${err}`)), o.timeoutMs ?? 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`node ${name} exited (${code ?? signal}) before listening; stderr:\n${err}`));
    });
  });
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    name,
    child,
    pid: child.pid!,
    url,
    dir,
    // Generous REST limit: the first request waits for the task build (esbuild-wasm), slow on a loaded machine.
    client: new EngineClient({ baseURL: url, accessToken: SECRET, requestTimeoutMs: 120_000, sse: { backoff: { initialMs: 50, maxMs: 500 } } }),
    stderr: () => err,
    exited,
    kill: () => kill('SIGKILL'),
    stop: async (graceMs = 10_000) => {
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await kill('SIGTERM');
      clearTimeout(t);
    },
  };
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
