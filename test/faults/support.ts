import { readFileSync } from 'node:fs';
import type { EngineClient } from '../../src/client';
import { spawnEngine as spawnChildEngine, type ChildEngine, type SpawnOptions } from '../support/child-engine';

/** Helpers for the fault tests: the engine as a real child process (`dist/cli.js dev`), RSS, timing. */

export const SECRET = 'rl_dev_faultsecretkey0123456789abcdef';
export { CLI, type ChildEngine } from '../support/child-engine';

/** Spawns `node dist/cli.js dev --dir DIR` with the fault tests' secret key; resolves once it listens. */
export function spawnEngine(dir: string, o: Omit<SpawnOptions, 'secret'> = {}): Promise<ChildEngine> {
  return spawnChildEngine(dir, { ...o, secret: SECRET });
}

/** Resident set size of a process in KiB (Linux /proc). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return m ? Number(m[1]) : NaN;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the engine lists `taskId` (task files are bundled in the background). */
export async function waitForTask(client: EngineClient, taskId: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { tasks } = await client.listTasks();
    if (tasks.some((t) => t.id === taskId)) return;
    if (Date.now() > until) throw new Error(`task ${taskId} was not discovered in ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Task files of the fault tests. */
export const FAULT_TASKS: Record<string, string> = {
  'trigger/faults.ts': `
import { task, metadata, streams } from "@trigger.dev/sdk";
import { existsSync } from "node:fs";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Appends n chunks {i} to "tokens" and sets metadata.i after each one. */
export const chatty = task({
  id: "chatty",
  run: async (payload: { n?: number; delayMs?: number }) => {
    const n = payload?.n ?? 100;
    for (let i = 0; i < n; i++) {
      await streams.append("tokens", { i });
      metadata.set("i", i);
      if (i % 10 === 9) await metadata.flush();
      if (payload?.delayMs) await sleep(payload.delayMs);
    }
    await metadata.flush();
    return { n };
  },
});

/** Pipes n chunks 0..n-1 to "tokens" (batched by the SDK) and sets metadata.i every 500. */
export const firehose = task({
  id: "firehose",
  run: async (payload: { n?: number }) => {
    const n = payload?.n ?? 1000;
    async function* gen() { for (let i = 0; i < n; i++) yield i; }
    const { stream, waitUntilComplete } = streams.pipe("tokens", gen());
    for await (const i of stream) if (i % 500 === 499) metadata.set("i", i);
    await waitUntilComplete();
    await metadata.flush();
    return { n };
  },
});

/**
 * Waits startMs (and, with goFile, until that file exists), then appends n chunks { i, t: Date.now(), pad }
 * of ~1 KB, pausing pauseMs every 20 chunks; with holdAt and holdFile, waits for holdFile before chunk holdAt.
 * A file is waited for at most 120 s.
 */
export const pump = task({
  id: "pump",
  run: async (p: { n?: number; startMs?: number; pauseMs?: number; goFile?: string; holdAt?: number; holdFile?: string }) => {
    const n = p?.n ?? 1000;
    const pad = "x".repeat(1000);
    const waitFor = async (file: string) => {
      for (const until = Date.now() + 120_000; !existsSync(file) && Date.now() < until; ) await sleep(10);
    };
    await sleep(p?.startMs ?? 0);
    if (p?.goFile) await waitFor(p.goFile);
    async function* gen() {
      for (let i = 0; i < n; i++) {
        if (i === p?.holdAt && p.holdFile) await waitFor(p.holdFile);
        if (i % 20 === 0 && p?.pauseMs) await sleep(p.pauseMs);
        yield { i, t: Date.now(), pad };
      }
    }
    const { stream, waitUntilComplete } = streams.pipe("tokens", gen());
    for await (const _ of stream) {}
    await waitUntilComplete();
    return { n };
  },
});

export const sleeper = task({ id: "sleeper", run: async (p: { ms?: number }) => { await sleep(p?.ms ?? 60_000); return { slept: true }; } });
export const echo = task({ id: "echo", run: async (p: unknown) => ({ echoed: p ?? null }) });
export const hog = task({ id: "hog", run: async () => { const keep: unknown[] = []; for (;;) keep.push(new Array(1e6).fill(Math.random())); } });
`,
};
