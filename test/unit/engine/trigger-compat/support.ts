import { rm } from 'node:fs/promises';
import { startEngine, type RunningEngine } from '../../../../src/engine';
import { makeWorkspace, waitFor } from '../../../support/engine';
import { EngineClient } from '../../../../src/client';

/** A task that waits on the wait token named in its payload and returns how the wait ended, and when it resumed. */
export const AWAIT_TOKEN_TASK = `
import { task, wait } from "@trigger.dev/sdk";

export const awaitToken = task({
  id: "await-token",
  run: async (p: { tokenId: string }) => {
    const r = await wait.forToken<{ approved: boolean }>(p.tokenId);
    const resumedAt = Date.now();
    return r.ok ? { ok: true, output: r.output, resumedAt } : { ok: false, error: r.error.message, resumedAt };
  },
});
`;

/** A Trigger.dev-style development secret key: the official SDK is configured with it unchanged. */
export const TR_SECRET = 'tr_dev_runlightOfficialSdk0123456789';

export interface SdkEngine {
  engine: RunningEngine;
  client: EngineClient;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/** A real engine (SQLite, HTTP on 127.0.0.1, forked workers) whose workspace secret is a `tr_dev_` key. */
export async function startSdkEngine(files: Record<string, string>, env: Record<string, string> = {}): Promise<SdkEngine> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const dir = await makeWorkspace(files);
  const lines: string[] = [];
  const engine = await startEngine({ dir, port: 0, workers: 2, secretKey: TR_SECRET, log: (l) => lines.push(l) });
  const client = new EngineClient({ baseURL: engine.url, accessToken: TR_SECRET });
  await waitFor(async () => ((await client.listTasks()).tasks.length > 0 ? true : undefined), 30_000, 'tasks to be indexed');
  return {
    engine,
    client,
    url: engine.url,
    dir,
    close: async () => {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
