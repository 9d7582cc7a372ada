import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { EngineClient } from '../../src/client';
import { sleep, withTimeout } from './stats';

export const repoRoot = resolve(__dirname, '../..');
export const CLI = join(repoRoot, 'dist/cli.js');
export const SECRET = 'rl_dev_benchsecretkey0123456789';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `runlight-bench-${prefix}-`));
}

export async function makeWorkspace(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('ws');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Waits for the first stdout line matching `re`; rejects if the process exits first. */
export function waitLine(child: ChildProcess, re: RegExp, ms: number, what: string): Promise<RegExpMatchArray> {
  const rl = createInterface({ input: child.stdout! });
  return withTimeout(
    new Promise<RegExpMatchArray>((res, rej) => {
      rl.on('line', (l) => {
        const m = l.match(re);
        if (m) {
          rl.close();
          res(m);
        }
      });
      child.once('exit', (code) => rej(new Error(`${what} exited with ${code}`)));
    }),
    ms,
    what,
  );
}

export async function stopChild(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(t);
}

export interface EngineProc {
  url: string;
  pid: number;
  /** Task worker processes it keeps warm. */
  workers: number;
  /** The Node it runs on and its store, e.g. `node v20.20.2, sqlite via node-sqlite3-wasm`. */
  runtime: string;
  dir: string;
  client: EngineClient;
  auth: Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `node dist/cli.js dev` on a workspace, as its own process; resolves once the tasks are indexed. */
export async function startEngineProc(
  dir: string,
  opts: {
    workers?: number;
    nodeArgs?: string[];
    taskIds?: string[];
    /** Another build's CLI (dist/cli.js), e.g. to compare with an earlier commit. */
    cli?: string;
    /** Another Node binary to run the engine on (its workers run on it too). */
    node?: string;
    /** More environment for the engine (e.g. RUNLIGHT_RETENTION_DAYS). */
    env?: NodeJS.ProcessEnv;
    /** Called with the engine's log output as it comes (stderr), from the spawn on. */
    onLog?: (text: string) => void;
  } = {},
): Promise<EngineProc> {
  const workers = opts.workers ?? 2;
  const args = [...(opts.nodeArgs ?? []), opts.cli ?? CLI, 'dev', '--dir', dir, '--port', '0', '--workers', String(workers)];
  const child = spawn(opts.node ?? process.execPath, args, {
    cwd: dir,
    env: { ...process.env, ...opts.env, RUNLIGHT_SECRET_KEY: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errText = '';
  child.stderr!.on('data', (b: Buffer) => {
    errText = (errText + b.toString()).slice(-4000);
    opts.onLog?.(b.toString());
  });
  const m = await waitLine(child, /listening on (http:\/\/\S+)/, 30_000, 'engine').catch((e: Error) => {
    throw new Error(`${e.message}\n${errText}`);
  });
  const url = m[1]!;
  const client = new EngineClient({ baseURL: url, accessToken: SECRET });
  const want = opts.taskIds ?? [];
  // The first build takes seconds, minutes on a machine shared with other work: a request that times out meanwhile
  // is asked again.
  const until = Date.now() + 180_000;
  for (;;) {
    const tasks = await client.listTasks().then(
      (r) => r.tasks,
      (e: unknown) => {
        if (Date.now() > until) throw e;
        return [];
      },
    );
    if (want.every((id) => tasks.some((t) => t.id === id))) break;
    if (Date.now() > until) throw new Error(`tasks ${want.join(', ')} not indexed\n${errText}`);
    await sleep(50);
  }
  const store = /store: ([^,)]+)/.exec(errText)?.[1] ?? 'store unknown';
  const version = execFileSync(opts.node ?? process.execPath, ['--version'], { encoding: 'utf8' }).trim();
  return {
    url,
    pid: child.pid!,
    workers,
    runtime: `node ${version}, ${store}`,
    dir,
    client,
    auth: { authorization: `Bearer ${SECRET}` },
    child,
    stop: () => stopChild(child, 10_000),
  };
}

export interface RawProc {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The raw SSE baseline (raw-server.mjs) as its own process. */
export function startRawServer(): Promise<RawProc> {
  return startBaselineServer('raw-server.mjs', 'raw SSE server');
}

/** The IPC-relay SSE baseline (ipc-relay-server.mjs: a forked child sends each chunk over IPC, the server writes it). */
export function startRelayServer(): Promise<RawProc> {
  return startBaselineServer('ipc-relay-server.mjs', 'IPC-relay SSE server');
}

async function startBaselineServer(script: string, what: string): Promise<RawProc> {
  const child = spawn(process.execPath, [join(__dirname, script)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const m = await waitLine(child, /^listening (\d+)/, 60_000, what);
  return { url: `http://127.0.0.1:${m[1]}`, pid: child.pid!, stop: () => stopChild(child) };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
