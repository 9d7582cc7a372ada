/** The warm task-worker processes: spawning, handing out, taking back and replacing them. */

import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { EngineToWorker, WorkerToEngine } from '../../protocol/ipc';
import { forkTaskWorker } from '../tasks/worker-process';

export interface PoolOptions {
  size: number;
  script: string;
  env: NodeJS.ProcessEnv;
  /** V8 heap limit of each worker in MB (a task that blows it ends CRASHED with an out-of-memory error). */
  maxHeapMb: number;
  log: (line: string) => void;
  /**
   * A folder for V8 CPU profiles of the workers (RUNLIGHT_WORKER_CPU_PROF_DIR, for `bench/profile-runs.ts`): each
   * runs under `--cpu-prof`, and on close is disconnected (it exits and writes its profile) instead of killed.
   */
  cpuProfDir?: string;
  /** Milliseconds an idle worker is kept before it stops (0: kept until the pool closes). */
  idleMs: number;
}

/** One warm task-worker process; emits `message` (parsed WorkerToEngine) and `exit` (code, signal, stderr tail). */
export class WorkerHandle extends EventEmitter<{
  message: [WorkerToEngine];
  exit: [number | null, NodeJS.Signals | null, string];
}> {
  readonly ready: Promise<void>;
  busy = false;
  dead = false;
  /** Forked for one run (a debug run) outside the pool: never given back to it, killed once its run ends. */
  dedicated = false;
  private stderrTail = '';

  constructor(
    readonly child: ChildProcess,
    log: (line: string) => void,
  ) {
    super();
    let markReady: () => void = () => {};
    this.ready = new Promise((r) => (markReady = r));
    child.on('message', (raw) => {
      const msg = WorkerToEngine.safeParse(raw);
      if (!msg.success) {
        log(`worker ${child.pid}: dropped an invalid message (${msg.error.issues[0]?.message ?? 'invalid'})`);
        return;
      }
      if (msg.data.type === 'ready') markReady();
      else this.emit('message', msg.data);
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-4000);
    });
    child.stdout?.on('data', () => {});
    child.on('exit', (code, signal) => {
      this.dead = true;
      markReady();
      this.emit('exit', code, signal, this.stderrTail);
    });
    child.on('error', (e) => log(`worker ${child.pid}: ${e.message}`));
  }

  send(msg: EngineToWorker): void {
    if (this.dead || !this.child.connected) return;
    this.child.send(msg);
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }

  /**
   * Lets the worker exit by itself (it does once its IPC channel closes), so an attached debugger sees its session
   * end instead of a dropped connection; killed if it is still there `graceMs` later.
   */
  retire(graceMs = 3000): void {
    if (this.dead) return;
    if (!this.child.connected) return this.kill();
    this.child.disconnect();
    setTimeout(() => this.kill(), graceMs).unref();
  }
}

/**
 * Up to `size` workers, started when a run (or the task index) asks for one and stopped once idle for `idleMs`: an
 * idle engine holds no worker process. A worker whose run waits is parked: it leaves the count (so waiting runs
 * never starve the others) and stays alive until its run resumes; then it counts again, and the pool is over `size`
 * until the first worker released retires. Emits `idle` whenever a worker becomes idle.
 */
export class WorkerPool extends EventEmitter<{ idle: [] }> {
  /** The workers that count toward `size` (idle, busy or starting). */
  private readonly workers = new Set<WorkerHandle>();
  private readonly parked = new Set<WorkerHandle>();
  private readonly idle: WorkerHandle[] = [];
  private readonly waiters: ((w: WorkerHandle) => void)[] = [];
  /** Idle workers' stop timers. */
  private readonly idleTimers = new Map<WorkerHandle, NodeJS.Timeout>();
  /** Workers spawned and not ready yet. */
  private starting = 0;
  private started = false;
  private closed = false;

  constructor(private readonly o: PoolOptions) {
    super();
  }

  /** From now on workers are spawned when asked for (the engine calls it once it has served its first requests). */
  start(): void {
    this.started = true;
    this.grow();
  }

  /**
   * Starts workers ahead of demand, up to `count` (within `size`): the first build's index and the first runs find them
   * ready. Unused, they stop after `idleMs` like any idle worker.
   */
  prewarm(count = this.o.size): void {
    if (!this.started || this.closed) return;
    while (this.workers.size < Math.min(count, this.o.size)) this.spawn();
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Runs this pool could start now: on its idle workers, and on the workers it may still spawn. */
  get capacity(): number {
    return this.idle.length + (this.started && !this.closed ? Math.max(0, this.o.size - this.workers.size) : 0);
  }

  /** Workers parked now. */
  get parkedCount(): number {
    return this.parked.size;
  }

  /** Every worker process alive (counted and parked). */
  get processCount(): number {
    return this.workers.size + this.parked.size;
  }

  /** Spawns workers for the callers waiting for one that no starting worker will serve, within `size`. */
  private grow(): void {
    if (!this.started || this.closed) return;
    while (this.waiters.length > this.starting && this.workers.size < this.o.size) this.spawn();
  }

  private spawn(): void {
    if (this.closed) return;
    const child = forkTaskWorker({
      script: this.o.script,
      env: this.o.env,
      execArgv: [
        `--max-old-space-size=${this.o.maxHeapMb}`,
        '--enable-source-maps',
        ...(this.o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${this.o.cpuProfDir}`] : []),
      ],
    });
    const w = new WorkerHandle(child, this.o.log);
    this.workers.add(w);
    this.starting++;
    w.on('exit', () => {
      this.parked.delete(w);
      this.stopIdleTimer(w);
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
      // Whoever still waits for a worker gets a new one.
      if (this.workers.delete(w)) this.grow();
    });
    void w.ready.then(() => {
      this.starting--;
      if (!w.dead) this.release(w);
    });
  }

  /**
   * Takes a busy worker out of the count while its run waits, and spawns its replacement. The bound on parked
   * workers is the caller's (the executor's waits).
   */
  park(w: WorkerHandle): boolean {
    if (w.dead || this.closed || !this.workers.has(w)) return false;
    this.workers.delete(w);
    this.parked.add(w);
    this.grow();
    return true;
  }

  /** A parked worker's run goes on: it counts again (busy); the pool shrinks back to `size` as workers are released. */
  unpark(w: WorkerHandle): void {
    if (!this.parked.delete(w) || w.dead) return;
    w.busy = true;
    this.workers.add(w);
  }

  /** Resolves with an idle worker (spawning one when there is room; else waits for one). */
  acquire(): Promise<WorkerHandle> {
    const w = this.tryAcquire();
    if (w) return Promise.resolve(w);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.grow();
    });
  }

  /** Takes an idle worker now, or undefined. */
  tryAcquire(): WorkerHandle | undefined {
    const w = this.idle.shift();
    if (w) {
      this.stopIdleTimer(w);
      w.busy = true;
    }
    return w;
  }

  release(w: WorkerHandle): void {
    if (w.dedicated) return w.retire();
    if (w.dead || this.closed || this.parked.has(w)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      w.busy = true;
      waiter(w);
      return;
    }
    if (this.workers.size > this.o.size) {
      // Surplus left by a run that resumed: retire this one (its exit spawns nothing).
      this.workers.delete(w);
      w.kill();
      return;
    }
    w.busy = false;
    this.idle.push(w);
    if (this.o.idleMs > 0) this.idleTimers.set(w, setTimeout(() => this.retireIdle(w), this.o.idleMs).unref());
    this.emit('idle');
  }

  /** An idle worker that nobody asked for within `idleMs` stops. */
  private retireIdle(w: WorkerHandle): void {
    this.idleTimers.delete(w);
    const i = this.idle.indexOf(w);
    if (i < 0 || this.closed) return;
    this.idle.splice(i, 1);
    this.workers.delete(w);
    w.kill();
  }

  private stopIdleTimer(w: WorkerHandle): void {
    clearTimeout(this.idleTimers.get(w));
    this.idleTimers.delete(w);
  }

  /** Kills a worker (its replacement is spawned). */
  discard(w: WorkerHandle): void {
    w.kill();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.idleTimers.clear();
    const all = [...this.workers, ...this.parked];
    await Promise.all(
      all.map(
        (w) =>
          new Promise<void>((r) => {
            if (w.dead) return r();
            w.once('exit', () => r());
            if (!this.o.cpuProfDir) return w.kill();
            // A profiled worker exits by itself once disconnected, writing its profile; killed if it does not.
            w.child.disconnect();
            setTimeout(() => w.kill(), 5000).unref();
          }),
      ),
    );
  }
}
