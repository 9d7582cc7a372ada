import { writeFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { EngineInfo, QueueInfo } from '../protocol/api';
import type { EngineOptions, RunningEngine } from './index';
import { loadSecretKey } from './auth/secret-key';
import { compileCacheDir, ensureRunlightDir } from '../client/engine-file';
import { Authenticator } from './auth/principal';
import { Committer } from './committer';
import { Hub } from './realtime/hub';
import { RunService } from './runs/service';
import { Router, startHttpServer } from './http/server';
import { registerRunRoutes } from './http/routes/runs';
import { registerTokenRoutes } from './http/routes/tokens';
import { registerScheduleRoutes } from './http/routes/schedules';
import { ScheduleService } from './schedules/service';
import { ScheduleTicker } from './schedules/ticker';
import { Retention, retentionFromEnv } from './runs/retention';
import { TokenService } from './runs/tokens';
import { registerRealtimeRoutes } from './http/routes/realtime';
import type { EngineDeps } from './http/context';
import { WorkerPool } from './exec/pool';
import { DebugWorkers } from './exec/debug-workers';
import { registerDebugRoutes } from './http/routes/debug';
import { Executor } from './exec/executor';
import { openStore } from './store/open';
import { acquireWorkspaceLock } from './workspace-lock';
import { TaskCatalog, loadWorkspaceEnv, type ConfigReply } from './tasks';
import type { IndexReply } from './tasks/indexer';
import { defaultWorkerScript } from './tasks/worker-process';
import type { WorkerHandle } from './exec/pool';
import type { EngineToWorker, WorkerToEngine } from '../protocol/ipc';
import { newId } from './ids';
import { ChangeLogTailer } from './realtime/tailer';
import type { QueueLimit, RunStore } from './store/types';
import { describeError } from '../shared/errors';

/** `RUNLIGHT_TASK_DIRS=trigger,jobs` (set by the extension from its `runlight.taskDirectories` setting). */
function taskDirsFromEnv(): string[] | undefined {
  const dirs = process.env.RUNLIGHT_TASK_DIRS?.split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  return dirs && dirs.length ? dirs : undefined;
}

function hasListen(store: RunStore): store is RunStore & { listen(onSeq: (seq: number) => void): Promise<() => Promise<void>> } {
  return typeof (store as { listen?: unknown }).listen === 'function';
}

export const ENGINE_VERSION = '0.1.0';

/** How long after it is announced the engine leaves the CPU to its first requests before starting workers and the build. */
const SERVE_FIRST_MS = 20;

/** Starts the engine for a workspace: store, HTTP/SSE on 127.0.0.1, task catalog, task workers started on demand. */
export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const dir = resolve(options.dir);
  const runlightDir = await ensureRunlightDir(dir);
  const storeSpec = options.store ?? process.env.RUNLIGHT_DATABASE_URL;
  const postgres = storeSpec !== undefined && /^postgres(ql)?:/.test(storeSpec);
  const lock = postgres ? undefined : await acquireWorkspaceLock(runlightDir);
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn();
    await lock?.release();
  };
  try {
    const { now: retentionNow, firstDelayMs, everyMs, ...retentionOptions } = options.retention ?? {};
    const retentionPolicy = { ...retentionFromEnv(), ...retentionOptions };
    const secretKey = await loadSecretKey(dir, options.secretKey);
    const store = await openStore(storeSpec, runlightDir);
    cleanups.push(() => store.close());
    const hub = new Hub();
    // A database shared by several engine nodes: publish from the change log, in seq order, on every node.
    // The committer kicks the tailer, so the tailer is built first; its listener names the executor built
    // below, which it can only reach once it exists: the tailer reads the log only when kicked after a
    // commit or once started, both after the executor is built.
    const shared = hasListen(store);
    const tailer = shared ? new ChangeLogTailer(store, hub, (events) => executor.onSharedEvents(events), log) : undefined;
    const committer = new Committer(store, hub, { tail: tailer });
    cleanups.push(() => committer.close());
    const auth = new Authenticator(secretKey, (hash, expiresAt) => store.useTokenOnce(hash, expiresAt));

    // What every task worker starts with, pooled or debugging: the worker script beside the engine, the workspace's env.
    const workers = {
      script: defaultWorkerScript(),
      env: {
        ...process.env,
        ...loadWorkspaceEnv(dir),
        RUNLIGHT_SECRET_KEY: undefined,
        ELECTRON_RUN_AS_NODE: '1',
        NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? compileCacheDir(dir),
      },
      maxHeapMb: Number(process.env.RUNLIGHT_WORKER_HEAP_MB ?? 512),
    };
    const pool = new WorkerPool({
      ...workers,
      size: options.workers ?? 2,
      idleMs: Number(process.env.RUNLIGHT_WORKER_IDLE_MS ?? 60_000),
      log,
      ...(process.env.RUNLIGHT_WORKER_CPU_PROF_DIR ? { cpuProfDir: process.env.RUNLIGHT_WORKER_CPU_PROF_DIR } : {}),
    });
    // Debug runs (Runlight's own) each get a worker of their own, with the inspector open; see exec/debug-workers.
    const debugWorkers = new DebugWorkers({ ...workers, log });
    /** Runs `ask` on a worker of the pool, which is given back after. */
    const onPooledWorker = async <T>(ask: (w: WorkerHandle) => Promise<T>): Promise<T> => {
      const w = await pool.acquire();
      try {
        return await ask(w);
      } finally {
        pool.release(w);
      }
    };
    const catalog = new TaskCatalog({
      dir,
      taskDirs: options.taskDirs ?? taskDirsFromEnv(),
      outDir: join(runlightDir, 'build'),
      index: (bundlePath) => onPooledWorker((w) => indexOn(w, bundlePath)),
      loadConfig: (bundlePath) => onPooledWorker((w) => loadConfigOn(w, bundlePath)),
      log,
      // The queue limits task code defines go to the store, which enforces them when claiming; the declarative
      // schedules follow the task files.
      onDidChange: () => {
        void syncQueueLimits();
        return syncSchedules();
      },
    });

    let limitsSynced = '';
    let limitsSync: Promise<void> = Promise.resolve();
    const syncQueueLimits = (): Promise<void> =>
      (limitsSync = limitsSync.then(async () => {
        const limits = queueLimitsOf(catalog.queues());
        const text = JSON.stringify(limits);
        if (text === limitsSynced) return;
        try {
          await store.setQueueLimits(limits);
          limitsSynced = text;
          executor.pump();
        } catch (e) {
          log(`queues: could not store the queue limits: ${describeError(e)}`);
        }
      }));

    const node = `${hostname()}:${process.pid}:${newId('attempt').slice(8, 14)}`;
    // Tasks reach the engine through the URL known only after listen; filled in below.
    const exec: { url: string } = { url: '' };
    // Attempts and the task list wait for the first build of the tasks, started once the engine serves.
    let buildStarted: (build: Promise<unknown>) => void = () => {};
    const tasksReady: { wait: Promise<unknown> } = { wait: new Promise((started) => (buildStarted = started)) };
    // The run service and the executor need each other: the executor writes a task's metadata and chunks
    // through the service, and the service tells the executor about queued and cancelled runs. The service is
    // built first with hooks that name the executor, built right after; they are only called when a run is
    // triggered or cancelled, which takes the HTTP server started below.
    const tokens = new TokenService(store, { baseUrl: () => exec.url, log });
    cleanups.push(async () => tokens.close());
    const service: RunService = new RunService(store, committer, {
      onQueued: (committed) => executor.queued(committed),
      cancelExecuting: (id) => executor.cancel(id),
      taskDefaults: (id) => {
        const t = catalog.get(id)?.info;
        return t ? { maxDuration: t.maxDuration, maxAttempts: t.maxAttempts, queue: t.queue } : undefined;
      },
      queueExists: (name) => catalog.queue(name) !== undefined,
      tasksIndexed: () => tasksReady.wait,
    });
    const executor: Executor = new Executor(
      store,
      committer,
      pool,
      {
        ready: () => tasksReady.wait,
        bundleFor: (id) => catalog.get(id)?.bundlePath,
        filePathFor: (id) => catalog.get(id)?.info.filePath,
        configBundle: () => catalog.configBundle(),
      },
      service,
      {
        node,
        get apiUrl() {
          return exec.url;
        },
        accessToken: secretKey,
        maxHeapMb: Number(process.env.RUNLIGHT_WORKER_HEAP_MB ?? 512),
        leaseMs: Number(process.env.RUNLIGHT_LEASE_MS ?? 30_000),
        stopGraceMs: options.stopGraceMs ?? Number(process.env.RUNLIGHT_STOP_GRACE_MS ?? 3000),
        shared,
        runEvents: hub,
        tokens,
        maxParked: Number(process.env.RUNLIGHT_MAX_PARKED ?? 100),
        debug: debugWorkers,
        log,
      },
    );
    await service.init();
    const schedules = new ScheduleService({
      store,
      now: options.schedules?.now ?? Date.now,
      tasks: async () => {
        await tasksReady.wait;
        return catalog.list();
      },
      trigger: async (taskId, payload, schedule) => (await service.trigger(taskId, { payload }, {}, { schedule })).record,
      log,
    });
    // The declarative schedules follow the task files: synced after every (re)build, one sync at a time.
    let scheduleProblems: string[] = [];
    let syncing: Promise<void> = Promise.resolve();
    const syncSchedules = (): void => {
      syncing = syncing
        .then(() => schedules.syncDeclarative(catalog.list(), catalog.errors().length > 0))
        .then((problems) => {
          if (problems.length) log(`schedules: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
          scheduleProblems = problems;
        })
        .catch((e: unknown) => log(`schedules: syncing declarative schedules failed: ${describeError(e)}`));
    };
    const ticker = new ScheduleTicker(schedules, { pollMs: options.schedules?.pollMs ?? Number(process.env.RUNLIGHT_SCHEDULE_POLL_MS ?? 1000), log });
    if (tailer) {
      await tailer.start();
      cleanups.push(() => tailer.close());
    }

    const deps: EngineDeps = {
      auth,
      service,
      tokens,
      store,
      hub,
      schedules,
      tasks: async () => {
        await tasksReady.wait;
        await syncing;
        const taskDirs = catalog.taskFolders();
        return { tasks: catalog.list(), errors: [...catalog.errors(), ...scheduleProblems], ...(taskDirs ? { taskDirs: [...taskDirs] } : {}) };
      },
      version: ENGINE_VERSION,
      sse: {
        maxBufferedBytes: Number(process.env.RUNLIGHT_SSE_MAX_BUFFER_KB ?? 8192) * 1024,
        keepAliveMs: 15_000,
        snapshotLimit: 10_000,
        ...(shared ? { streamPollMs: 25 } : {}),
      },
    };
    const router = new Router();
    registerRunRoutes(router, deps);
    registerRealtimeRoutes(router, deps);
    registerTokenRoutes(router, deps);
    registerScheduleRoutes(router, deps);
    registerDebugRoutes(router, deps, debugWorkers);
    const { server, port } = await startHttpServer({ host: '127.0.0.1', port: options.port, router, log });
    const url = `http://127.0.0.1:${port}`;
    exec.url = url;
    tokens.start();
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );

    cleanups.push(() => pool.close());
    cleanups.push(() => debugWorkers.close());
    cleanups.push(() => executor.close());
    cleanups.push(() => catalog.close());
    cleanups.push(() => ticker.close());
    const retention = new Retention(store, retentionPolicy, log, retentionNow);
    cleanups.push(() => retention.close());
    const info: EngineInfo = { url, pid: process.pid, version: ENGINE_VERSION };
    const infoFile = join(runlightDir, 'engine.json');
    await writeFile(infoFile, JSON.stringify(info, null, 2) + '\n');
    cleanups.push(() => rm(infoFile, { force: true }));
    const storeName = postgres ? 'postgres' : `sqlite via ${(store as { driver?: string }).driver === 'node:sqlite' ? 'node:sqlite' : 'node-sqlite3-wasm'}`;
    log(`engine ready at ${url} (store: ${storeName}, workers: ${options.workers ?? 2})`);

    let closing: Promise<void> | undefined;
    // The engine is announced as soon as it serves; worker processes, the recovery of runs a stopped engine left
    // executing, and the first build (bundler) start once the API has had a moment to answer its first callers,
    // instead of taking the CPU and the event loop from them. Runs triggered meanwhile stay QUEUED until a
    // worker is up, as they would while the first build runs.
    setTimeout(() => {
      if (closing) return buildStarted(Promise.resolve());
      pool.start();
      // Ready for the first build's index and the first runs; they stop again after RUNLIGHT_WORKER_IDLE_MS unused.
      pool.prewarm();
      void executor
        .recover()
        .catch((e: unknown) => log(`recovery: ${describeError(e)}`))
        .then(() => {
          if (closing) return buildStarted(Promise.resolve());
          // Bundling takes seconds: attempts and the task list wait for it.
          buildStarted(
            catalog
              .start()
              .then(() => limitsSync)
              .catch((e: unknown) => log(`tasks: ${describeError(e)}`)),
          );
          executor.start();
          void ticker.start();
          retention.start(firstDelayMs ?? Number(process.env.RUNLIGHT_RETENTION_START_MS ?? 5000), everyMs);
        });
    }, SERVE_FIRST_MS);
    return {
      url,
      secretKey,
      close: () => (closing ??= cleanup()),
    };
  } catch (e) {
    await cleanup().catch(() => undefined);
    throw e;
  }
}

/** The queues that have a concurrencyLimit, sorted by name: what the store enforces. */
function queueLimitsOf(queues: readonly QueueInfo[]): QueueLimit[] {
  return queues
    .flatMap((q) => (q.concurrencyLimit === undefined ? [] : [{ name: q.name, concurrencyLimit: q.concurrencyLimit }]))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function indexOn(w: WorkerHandle, bundlePath: string): Promise<IndexReply> {
  return askOn<IndexReply>(
    w,
    (requestId) => ({ type: 'index', requestId, bundlePath }),
    (m) => (m.type === 'indexed' ? { tasks: m.tasks, ...(m.queues ? { queues: m.queues } : {}), error: m.error } : undefined),
    (error) => ({ tasks: [], error }),
    'the task file',
  );
}

function loadConfigOn(w: WorkerHandle, bundlePath: string): Promise<ConfigReply> {
  return askOn<ConfigReply>(
    w,
    (requestId) => ({ type: 'loadConfig', requestId, bundlePath }),
    (m) => (m.type === 'configLoaded' ? { config: m.config, hooks: m.hooks, problems: m.problems, error: m.error } : undefined),
    (error) => ({ config: {}, hooks: [], problems: [], error }),
    'the config file',
  );
}

/** Sends a request to a pooled worker; resolves with its answer (the reply `answer` picks), or `failed` if the worker exits first. */
function askOn<T>(
  w: WorkerHandle,
  request: (requestId: string) => EngineToWorker,
  answer: (m: Extract<WorkerToEngine, { type: 'indexed' | 'configLoaded' }>) => T | undefined,
  failed: (why: string) => T,
  loading: string,
): Promise<T> {
  const requestId = newId('attempt');
  return new Promise<T>((settle) => {
    const onMessage = (m: WorkerToEngine): void => {
      if ((m.type === 'indexed' || m.type === 'configLoaded') && m.requestId === requestId) {
        const reply = answer(m);
        if (reply === undefined) return;
        w.off('message', onMessage);
        w.off('exit', onExit);
        settle(reply);
      }
    };
    const onExit = (): void => {
      w.off('message', onMessage);
      settle(failed(`the worker exited while loading ${loading}`));
    };
    w.on('message', onMessage);
    w.once('exit', onExit);
    w.send(request(requestId));
  });
}
