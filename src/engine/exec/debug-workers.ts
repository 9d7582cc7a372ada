/**
 * Debug runs (Runlight's own): each gets a task worker of its own, forked outside the pool with the Node inspector
 * open on 127.0.0.1 (a free port). The run's attempt is sent to it only once a debugger has attached, so breakpoints
 * in the task's file are set before its bundle loads. The worker is killed when the run ends.
 */

import type { WorkerToEngine } from '../../protocol/ipc';
import { WorkerHandle } from './pool';
import { forkTaskWorker } from '../tasks/worker-process';

export const INSPECTOR_HOST = '127.0.0.1';
/** How long a debug run's worker waits for a debugger by default. */
export const DEFAULT_DEBUGGER_WAIT_MS = 60_000;
/** How long the worker is given to start and open its inspector. */
const OPEN_TIMEOUT_MS = 30_000;

export interface DebugWorkerOptions {
  script: string;
  env: NodeJS.ProcessEnv;
  maxHeapMb: number;
  log: (line: string) => void;
}

/** Where a debug run's inspector listens, as told to whoever starts the run. */
export interface InspectorAddress {
  host: string;
  port: number;
  /** The inspector's WebSocket URL (`ws://127.0.0.1:<port>/<id>`). */
  url: string;
  /** Milliseconds the worker waits for a debugger before the run fails. */
  waitMs: number;
}

/** A worker forked for one debug run. `attached` resolves true once a debugger attached, else with why not. */
export interface DebugTarget extends InspectorAddress {
  worker: WorkerHandle;
  attached: Promise<true | string>;
  /** When it was forked, and when a debugger attached (epoch ms), for the log. */
  forkedAt: number;
  attachedAt?: number;
}

/** Options of the debugged Node that would open a second inspector or profile it: a debug worker drops them. */
const INSPECT_OPTION = /^--(inspect|inspect-brk|inspect-port|inspect-wait|debug-port|cpu-prof)(-[a-z-]+)?(=.*)?$/;

/** `NODE_OPTIONS` without its inspector and profiler options (e.g. those of an auto-attaching debugger). */
export function debugNodeOptions(nodeOptions: string | undefined): string | undefined {
  if (!nodeOptions) return nodeOptions;
  const kept = nodeOptions.split(/\s+/).filter((o) => o && !INSPECT_OPTION.test(o));
  return kept.length ? kept.join(' ') : undefined;
}

const TIMED_OUT = 'timed out';

/** The worker's next message of `type`, or why none came: it exited (`exited (…)`), or `TIMED_OUT` after `ms`. */
function nextMessage(worker: WorkerHandle, type: WorkerToEngine['type'], ms: number): Promise<WorkerToEngine | string> {
  return new Promise((resolve) => {
    const done = (v: WorkerToEngine | string): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(v);
    };
    const onMessage = (m: WorkerToEngine): void => {
      if (m.type === type) done(m);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null, stderr: string): void =>
      done(`exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().slice(-500)}` : ''}`);
    const timer = setTimeout(() => done(TIMED_OUT), ms);
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}

/** Debug runs and their workers: opened when a debug run is asked for, bound to the run, taken when it is claimed. */
export class DebugWorkers {
  private readonly byRun = new Map<string, DebugTarget>();
  private readonly live = new Set<WorkerHandle>();
  private closed = false;

  constructor(private readonly o: DebugWorkerOptions) {}

  /**
   * Forks a worker, has it open its inspector and resolves with where it listens. From then on it waits `waitMs`
   * for a debugger; past that it is killed, and `attached` says why.
   */
  async open(waitMs = DEFAULT_DEBUGGER_WAIT_MS): Promise<DebugTarget> {
    if (this.closed) throw new Error('the engine is stopping');
    // No compile cache: a debug worker starts once per debug run, under the inspector; it gains nothing from one.
    const env: NodeJS.ProcessEnv = { ...this.o.env, NODE_OPTIONS: debugNodeOptions(this.o.env.NODE_OPTIONS), NODE_COMPILE_CACHE: undefined };
    const child = forkTaskWorker({
      script: this.o.script,
      env,
      // Never the engine's own execArgv: it may hold --inspect or --cpu-prof.
      execArgv: [`--max-old-space-size=${this.o.maxHeapMb}`, '--enable-source-maps'],
    });
    const forkedAt = Date.now();
    const worker = new WorkerHandle(child, this.o.log);
    worker.dedicated = true;
    worker.busy = true;
    this.live.add(worker);
    worker.once('exit', () => this.live.delete(worker));

    void worker.ready.then(() => worker.send({ type: 'inspect', host: INSPECTOR_HOST }));
    const opened = await nextMessage(worker, 'inspecting', OPEN_TIMEOUT_MS);
    if (typeof opened === 'string' || opened.type !== 'inspecting') {
      worker.kill();
      throw new Error(`the debug worker did not open its inspector: it ${opened as string}`);
    }
    const url = opened.url;
    const target: DebugTarget = { worker, host: INSPECTOR_HOST, port: Number(new URL(url).port), url, waitMs, forkedAt, attached: Promise.resolve(true) };
    target.attached = nextMessage(worker, 'debuggerAttached', waitMs).then((m) => {
      if (typeof m !== 'string') {
        target.attachedAt = Date.now();
        this.o.log(`debug worker ${child.pid}: a debugger attached ${target.attachedAt - forkedAt} ms after it was forked`);
        return true;
      }
      worker.kill();
      return `No debugger attached to the run's worker (inspector ${url}): it ${m === TIMED_OUT ? `waited ${Math.round(waitMs / 1000)} s` : m}, so the run was not started.`;
    });
    this.o.log(`debug worker ${child.pid}: inspector at ${url}, waiting up to ${waitMs} ms for a debugger`);
    return target;
  }

  /** The run `runId` is to run on `target` (called before the run is queued, so its claim finds it). */
  bind(runId: string, target: DebugTarget): void {
    this.byRun.set(runId, target);
    // Kept after its worker died (no debugger came), so the run's claim still fails it with `attached`'s reason; a
    // run never claimed (cancelled while queued) is forgotten an hour later.
    target.worker.once('exit', () => {
      setTimeout(() => {
        if (this.byRun.get(runId) === target) this.byRun.delete(runId);
      }, 3_600_000).unref();
    });
  }

  /** The debug worker of run `runId`, taken (its first attempt runs there; a retry runs on the pool). */
  take(runId: string): DebugTarget | undefined {
    const t = this.byRun.get(runId);
    this.byRun.delete(runId);
    return t;
  }

  /** Kills a target that will not be used (its run could not be created). */
  drop(target: DebugTarget): void {
    for (const [id, t] of this.byRun) if (t === target) this.byRun.delete(id);
    target.worker.kill();
  }

  close(): void {
    this.closed = true;
    this.byRun.clear();
    for (const w of this.live) w.kill();
    this.live.clear();
  }
}
