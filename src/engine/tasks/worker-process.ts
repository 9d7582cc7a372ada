import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WorkerToEngine, type EngineToWorker } from '../../protocol/ipc';
import type { IndexReply } from './indexer';
import type { ConfigReply } from './config';

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
 * Forks one task worker (IPC + piped stdout/stderr, structured-clone messages): the engine's pool and debug workers
 * fork through it, and so do tests and tools. Under Electron, pass env with ELECTRON_RUN_AS_NODE=1.
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

type Answer = Extract<WorkerToEngine, { type: 'indexed' | 'configLoaded' }>;

/** Sends one request to a worker and resolves with its answer, or with `failed(why)` if it exits or does not answer in time. */
function askWorker<T>(
  child: ChildProcess,
  request: (requestId: string) => EngineToWorker,
  answer: (m: Answer) => T,
  failed: (why: string) => T,
  timeoutMs: number,
  while_: string,
): Promise<T> {
  const requestId = `req-${process.pid}-${++seq}`;
  return new Promise((resolveAnswer) => {
    const finish = (reply: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolveAnswer(reply);
    };
    const onMessage = (raw: unknown) => {
      const msg = WorkerToEngine.safeParse(raw);
      if (msg.success && (msg.data.type === 'indexed' || msg.data.type === 'configLoaded') && msg.data.requestId === requestId) finish(answer(msg.data));
    };
    const onExit = () => finish(failed(`the worker exited while loading ${while_}`));
    const timer = setTimeout(() => finish(failed(`the worker did not answer within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(request(requestId));
  });
}

/** Sends one `index` request to a worker and resolves with its `indexed` answer. */
export function indexOnWorker(child: ChildProcess, bundlePath: string, timeoutMs = 30_000): Promise<IndexReply> {
  return askWorker<IndexReply>(
    child,
    (requestId) => ({ type: 'index', requestId, bundlePath }),
    (m) =>
      m.type === 'indexed'
        ? { tasks: m.tasks, ...(m.queues ? { queues: m.queues } : {}), ...(m.error ? { error: m.error } : {}) }
        : { tasks: [], error: 'unexpected answer' },
    (error) => ({ tasks: [], error }),
    timeoutMs,
    'the task file',
  );
}

/** Sends one `loadConfig` request to a worker and resolves with its `configLoaded` answer. */
export function loadConfigOnWorker(child: ChildProcess, bundlePath: string, timeoutMs = 30_000): Promise<ConfigReply> {
  return askWorker<ConfigReply>(
    child,
    (requestId) => ({ type: 'loadConfig', requestId, bundlePath }),
    (m) =>
      m.type === 'configLoaded'
        ? { config: m.config, hooks: m.hooks, problems: m.problems, ...(m.error !== undefined ? { error: m.error } : {}) }
        : { config: {}, hooks: [], problems: [], error: 'unexpected answer' },
    (error) => ({ config: {}, hooks: [], problems: [], error }),
    timeoutMs,
    'the config file',
  );
}
