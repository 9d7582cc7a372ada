import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EngineClient, type EngineClientOptions } from '../../src/client';
import { repoRoot } from './engine';

/** The engine as a real child process (`node dist/cli.js dev`), for the fault and multi-node tests. */

export const CLI = join(repoRoot, 'dist/cli.js');

export interface ChildEngine {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  client: EngineClient;
  /** Everything the engine wrote to stderr so far (the last 200 kB). */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful close) and wait, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** The workspace secret key (RUNLIGHT_SECRET_KEY) the engine and its client use. */
  secret: string;
  port?: number;
  workers?: number;
  /** More arguments for `dev`, e.g. `--store postgres://…`. */
  args?: string[];
  /** Added to this process's environment (whose RUNLIGHT_DATABASE_URL is never passed on). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** How errors name this engine ("engine", "node n2"). */
  label?: string;
  client?: Partial<EngineClientOptions>;
}

/** Spawns `node dist/cli.js dev --dir DIR` and resolves once it announced its URL. */
export async function spawnEngine(dir: string, o: SpawnOptions): Promise<ChildEngine> {
  const label = o.label ?? 'engine';
  const args = [CLI, 'dev', '--dir', dir, '--port', String(o.port ?? 0), '--workers', String(o.workers ?? 2), ...(o.args ?? [])];
  const env: NodeJS.ProcessEnv = { ...process.env, RUNLIGHT_SECRET_KEY: o.secret };
  delete env['RUNLIGHT_DATABASE_URL'];
  const child = spawn(process.execPath, args, { env: { ...env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-200_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in time; stderr:\n${err}`)), o.timeoutMs ?? 30_000);
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
      reject(new Error(`${label} exited (${code ?? signal}) before listening; stderr:\n${err}`));
    });
  });
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    child,
    pid: child.pid!,
    url,
    port: Number(new URL(url).port),
    client: new EngineClient({ baseURL: url, accessToken: o.secret, ...o.client }),
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
