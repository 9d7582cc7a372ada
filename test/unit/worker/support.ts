import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { EngineToWorker, WorkerToEngine } from '../../../src/protocol/ipc';
import {
  bundleTasks,
  discoverTaskFiles,
  forkTaskWorker,
  indexOnWorker,
  loadConfigOnWorker,
  loadWorkspaceEnv,
  workerReady,
  type BundleResult,
} from '../../../src/engine/tasks';

export const ROOT = resolve(__dirname, '../../..');
export const WORKER_JS = join(ROOT, 'dist/worker.js');
export const FIXTURE_WS = join(ROOT, 'test/fixtures/tasks/ws');

let workerBuild: Promise<void> | undefined;

/**
 * Builds dist/worker.js from src/worker/main.ts with the same options as esbuild.mjs (only that
 * entry, so another bundle that is mid-edit cannot break these tests). Once per test process.
 */
export function buildWorker(): Promise<void> {
  workerBuild ??= esbuild
    .build({
      entryPoints: { worker: join(ROOT, 'src/worker/main.ts') },
      outdir: join(ROOT, 'dist'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'warning',
      external: ['vscode'],
      absWorkingDir: ROOT,
    })
    .then(() => undefined);
  return workerBuild;
}

let fixtureBuildsOnce: Promise<Map<string, BundleResult>> | undefined;

/** The fixture workspace's task files bundled once into a temp folder, by workspace-relative path. */
export function fixtureBuilds(): Promise<Map<string, BundleResult>> {
  fixtureBuildsOnce ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'runlight-bundles-'));
    const results = await bundleTasks(FIXTURE_WS, discoverTaskFiles(FIXTURE_WS), out);
    for (const r of results) if (r.error) throw new Error(`fixture ${r.relPath} did not build: ${r.error}`);
    return new Map(results.map((r) => [r.relPath, r]));
  })();
  return fixtureBuildsOnce;
}

export async function fixtureBundle(relPath: string): Promise<string> {
  const r = (await fixtureBuilds()).get(relPath);
  if (!r?.bundlePath) throw new Error(`no bundle for ${relPath}`);
  return r.bundlePath;
}

export interface Recorded {
  at: number;
  msg: WorkerToEngine;
}

type Ended = Extract<WorkerToEngine, { type: 'completed' | 'failed' }>;

export interface ExecuteInput {
  taskId: string;
  bundlePath: string;
  payload?: unknown;
  /** superjson's meta of the payload (the run's `payloadMeta`). */
  payloadMeta?: unknown;
  metadata?: Record<string, unknown>;
  tags?: string[];
  attempt?: number;
  maxAttempts?: number;
  parentRunId?: string;
  rootRunId?: string;
  attemptId?: string;
  /** The bundle of a project config to apply. */
  configPath?: string;
  runId?: string;
}

let attemptSeq = 0;

/**
 * The engine's side of the IPC channel, small: forks a real worker (dist/worker.js), records
 * every message, checks each against WorkerToEngine, and acks requests (or refuses some).
 */
export class FakeEngine {
  readonly messages: Recorded[] = [];
  readonly invalid: unknown[] = [];
  stderr = '';
  /** Return an error text to refuse a request. */
  refuse: (msg: WorkerToEngine) => string | undefined = () => undefined;
  ackDelayMs = 0;
  private readonly waiters = new Map<string, (m: Ended) => void>();

  private constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    child.on('message', (raw) => this.receive(raw));
  }

  static async start(env: NodeJS.ProcessEnv = { ...process.env, ...loadWorkspaceEnv(FIXTURE_WS) }): Promise<FakeEngine> {
    await buildWorker();
    const child = forkTaskWorker({ script: WORKER_JS, env: { ...env, RUNLIGHT_STREAM_WAIT_MS: env.RUNLIGHT_STREAM_WAIT_MS ?? '5000' } });
    const engine = new FakeEngine(child);
    await workerReady(child);
    return engine;
  }

  send(msg: EngineToWorker): void {
    this.child.send(msg);
  }

  sendRaw(value: unknown): void {
    this.child.send(value as object);
  }

  index(bundlePath: string) {
    return indexOnWorker(this.child, bundlePath);
  }

  loadConfig(bundlePath: string) {
    return loadConfigOnWorker(this.child, bundlePath);
  }

  /** Messages of one attempt, in arrival order. */
  of(attemptId: string): Recorded[] {
    return this.messages.filter((r) => 'attemptId' in r.msg && r.msg.attemptId === attemptId);
  }

  async execute(input: ExecuteInput, timeoutMs = 15_000): Promise<{ end: Ended; attemptId: string; sentAt: number; messages: Recorded[] }> {
    const attemptId = input.attemptId ?? `attempt_${process.pid}_${++attemptSeq}`;
    const ended = new Promise<Ended>((resolveEnd, reject) => {
      const timer = setTimeout(() => reject(new Error(`attempt ${attemptId} did not end within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.set(attemptId, (m) => {
        clearTimeout(timer);
        resolveEnd(m);
      });
    });
    const sentAt = performance.now();
    this.send({
      type: 'execute',
      attemptId,
      bundlePath: input.bundlePath,
      taskId: input.taskId,
      run: {
        id: input.runId ?? `run_${attemptId}`,
        ...(input.payload !== undefined ? { payload: input.payload as never } : {}),
        ...(input.payloadMeta !== undefined ? { payloadMeta: input.payloadMeta as never } : {}),
        metadata: (input.metadata ?? {}) as never,
        tags: input.tags ?? [],
        attempt: input.attempt ?? 1,
        ...(input.maxAttempts ? { maxAttempts: input.maxAttempts } : {}),
        ...(input.parentRunId ? { parentRunId: input.parentRunId } : {}),
        ...(input.rootRunId ? { rootRunId: input.rootRunId } : {}),
      },
      apiUrl: 'http://127.0.0.1:9',
      accessToken: 'tr_dev_test',
      ...(input.configPath ? { configPath: input.configPath } : {}),
    });
    const end = await ended;
    return { end, attemptId, sentAt, messages: this.of(attemptId) };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((r) => {
      this.child.once('exit', () => r());
      this.child.kill('SIGKILL');
    });
  }

  private receive(raw: unknown): void {
    const parsed = WorkerToEngine.safeParse(raw);
    if (!parsed.success) {
      this.invalid.push(raw);
      return;
    }
    const msg = parsed.data;
    this.messages.push({ at: performance.now(), msg });
    if (msg.type === 'completed' || msg.type === 'failed') this.waiters.get(msg.attemptId)?.(msg);
    if ('requestId' in msg && msg.type !== 'indexed' && msg.type !== 'configLoaded') {
      const error = this.refuse(msg);
      const ack = () => this.send({ type: 'ack', requestId: msg.requestId, ...(error ? { error } : {}) });
      if (this.ackDelayMs > 0) setTimeout(ack, this.ackDelayMs);
      else ack();
      // As the engine does: a timed wait is resumed once due (waits on runs are not simulated here).
      if (msg.type === 'wait' && !error && msg.on.kind === 'time') {
        const resume = () => this.send({ type: 'resume', attemptId: msg.attemptId, waitId: msg.waitId });
        setTimeout(resume, Math.max(this.ackDelayMs, msg.on.until - Date.now()));
      }
    }
  }
}
