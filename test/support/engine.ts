import { mkdtemp, mkdir, writeFile, rm, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { startEngine } from '../../src/engine';
import type { EngineOptions, RunningEngine } from '../../src/engine';
import { EngineClient } from '../../src/client';
import type { Run } from '../../src/protocol';

export const repoRoot = resolve(__dirname, '../..');

export interface TestEngine {
  engine: RunningEngine;
  client: EngineClient;
  dir: string;
  url: string;
  key: string;
  close(): Promise<void>;
}

/** A temp workspace with the given task files (path → source), e.g. { 'trigger/a.ts': '…' }. */
export async function makeWorkspace(files: Record<string, string>, copyFrom?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'runlight-test-'));
  if (copyFrom) await cp(copyFrom, dir, { recursive: true, filter: (src) => !src.includes('.runlight') });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** Starts a real engine (SQLite file, HTTP on 127.0.0.1, forked workers) on a temp workspace. */
export async function startTestEngine(
  files: Record<string, string>,
  options: { workers?: number; copyFrom?: string; dir?: string; stopGraceMs?: number; retention?: EngineOptions['retention'] } = {},
): Promise<TestEngine> {
  const dir = options.dir ?? (await makeWorkspace(files, options.copyFrom));
  const lines: string[] = [];
  const engine = await startEngine({
    dir,
    port: 0,
    workers: options.workers ?? 2,
    secretKey: 'rl_dev_testsecretkey0123456789',
    stopGraceMs: options.stopGraceMs,
    retention: options.retention,
    log: (l) => lines.push(l),
  });
  const client = new EngineClient({ baseURL: engine.url, accessToken: engine.secretKey });
  return {
    engine,
    client,
    dir,
    url: engine.url,
    key: engine.secretKey,
    close: async () => {
      await engine.close();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Follows one run until it is terminal; returns every state seen. Bounded by `timeoutMs`. */
export async function followRun(client: EngineClient, runId: string, timeoutMs = 15_000): Promise<Run[]> {
  const seen: Run[] = [];
  const signal = AbortSignal.timeout(timeoutMs);
  for await (const run of client.subscribeToRun(runId, { signal })) seen.push(run);
  return seen;
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
