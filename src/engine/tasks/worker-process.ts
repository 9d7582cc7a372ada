import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WorkerToEngine, type EngineToWorker } from '../../protocol/ipc';
import type { IndexReply } from './indexer';

/** dist/worker.js: beside the bundled engine, else the built one of this checkout. */
export function defaultWorkerScript(): string {
  const beside = join(__dirname, 'worker.js');
  if (existsSync(beside)) return beside;
  return resolve(__dirname, '../../../dist/worker.js');
}

export interface ForkWorkerOptions {
  script?: string;
  env?: NodeJS.ProcessEnv;
  execArgv?: string[];
}

/**
 * Forks one task worker (IPC + piped stdout/stderr). A small helper for tests and tools; the engine
 * keeps its own pool. Under Electron, pass env with ELECTRON_RUN_AS_NODE=1.
 */
export function forkTaskWorker(options: ForkWorkerOptions = {}): ChildProcess {
  return fork(options.script ?? defaultWorkerScript(), [], {
    env: options.env ?? process.env,
    execArgv: options.execArgv ?? ['--enable-source-maps'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
}

/** Resolves when the worker says `ready`; rejects if it exits first. */
export function workerReady(child: ChildProcess): Promise<void> {
  return new Promise((resolveReady, reject) => {
    const onMessage = (raw: unknown) => {
      if (WorkerToEngine.safeParse(raw).data?.type === 'ready') done(undefined);
    };
    const onExit = (code: number | null) => done(new Error(`the worker exited (code ${code}) before it was ready`));
    const done = (err: Error | undefined) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolveReady();
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

let seq = 0;

/** Sends one `index` request to a worker and resolves with its `indexed` answer. */
export function indexOnWorker(child: ChildProcess, bundlePath: string, timeoutMs = 30_000): Promise<IndexReply> {
  const requestId = `index-${process.pid}-${++seq}`;
  return new Promise((resolveIndex) => {
    const finish = (reply: IndexReply) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolveIndex(reply);
    };
    const onMessage = (raw: unknown) => {
      const msg = WorkerToEngine.safeParse(raw);
      if (msg.success && msg.data.type === 'indexed' && msg.data.requestId === requestId) {
        finish({ tasks: msg.data.tasks, ...(msg.data.queues ? { queues: msg.data.queues } : {}), ...(msg.data.error ? { error: msg.data.error } : {}) });
      }
    };
    const onExit = () => finish({ tasks: [], error: 'the worker exited while loading the task file' });
    const timer = setTimeout(() => finish({ tasks: [], error: `the worker did not answer within ${timeoutMs} ms` }), timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
    const msg: EngineToWorker = { type: 'index', requestId, bundlePath };
    child.send(msg);
  });
}
