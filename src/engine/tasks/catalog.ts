import { rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { QueueInfo, TaskInfo } from '../../protocol/api';
import { manifestPathFor } from './build-cache';
import { TaskBundler, bundlePathFor, type BundleResult } from './bundle';
import { discoverTaskFiles } from './discover';
import { indexBundle, mergeIndexed, type IndexBundle } from './indexer';
import { watchTasks, type TaskWatcher } from './watch';
import { describeError } from '../../shared/errors';

export interface TaskCatalogOptions {
  /** The workspace folder. */
  dir: string;
  /** Task folders relative to dir (default: every folder named `trigger`, found at any depth). */
  taskDirs?: readonly string[];
  /** Where bundles go (default `<dir>/.runlight/build`). */
  outDir?: string;
  /** Runs an index request on a task worker (the engine owns the pool). */
  index: IndexBundle;
  log?: (line: string) => void;
  /** Rebuild when task files change (default true). */
  watch?: boolean;
  debounceMs?: number;
  /** Called after every (re)build, whether or not anything changed. */
  onDidChange?: () => void;
}

interface FileState {
  build: BundleResult;
  tasks: TaskInfo[];
  queues?: QueueInfo[];
  error?: string;
}

/**
 * The workspace's tasks: discovers task files, bundles each, has a worker index it, and keeps the
 * result current while files change (only the bundles whose inputs changed are rebuilt).
 */
export class TaskCatalog {
  private readonly files = new Map<string, FileState>();
  private byId = new Map<string, { bundlePath: string; info: TaskInfo }>();
  private tasks: TaskInfo[] = [];
  private queueMap = new Map<string, QueueInfo>();
  private problems: string[] = [];
  private watcher: TaskWatcher | undefined;
  private running: Promise<void> | undefined;
  /** Paths changed while a refresh ran; `null` = rebuild everything. */
  private queued: Set<string> | null | undefined;
  private closed = false;
  private readonly dir: string;
  private readonly outDir: string;
  private readonly taskDirs: readonly string[] | undefined;
  private readonly bundler: TaskBundler;

  constructor(private readonly o: TaskCatalogOptions) {
    this.dir = resolve(o.dir);
    this.outDir = resolve(o.outDir ?? join(this.dir, '.runlight', 'build'));
    this.taskDirs = o.taskDirs?.length ? o.taskDirs : undefined;
    this.bundler = new TaskBundler(this.dir, this.outDir);
  }

  /** Builds and indexes every task file, then starts watching. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.o.watch !== false && !this.closed) {
      this.watcher = watchTasks(this.dir, this.taskDirs, (changed) => void this.refresh(changed).catch(() => undefined), {
        debounceMs: this.o.debounceMs,
      });
      this.watchInputs();
    }
  }

  get(taskId: string): { bundlePath: string; info: TaskInfo } | undefined {
    return this.byId.get(taskId);
  }

  list(): TaskInfo[] {
    return [...this.tasks];
  }

  /** Every queue the task files define (tasks' own queues and shared ones), with their limits. */
  queues(): QueueInfo[] {
    return [...this.queueMap.values()];
  }

  /** A queue by name, if the task files define it. */
  queue(name: string): QueueInfo | undefined {
    return this.queueMap.get(name);
  }

  errors(): string[] {
    return [...this.problems];
  }

  /**
   * Rebuilds what `changed` (absolute paths) affects, or everything without it. Calls made while a
   * refresh runs are merged into one more refresh after it; the promise resolves when that is done.
   */
  refresh(changed?: readonly string[]): Promise<void> {
    if (this.running) {
      if (changed === undefined || this.queued === null) this.queued = null;
      else {
        this.queued ??= new Set();
        for (const c of changed) this.queued.add(c);
      }
      return this.running.then(() => this.running ?? undefined);
    }
    const run = async (paths: Set<string> | null) => {
      try {
        await this.rebuild(paths);
      } catch (err) {
        this.o.log?.(`tasks: rebuild failed: ${describeError(err)}`);
      }
      const next = this.queued;
      this.queued = undefined;
      if (next !== undefined && !this.closed) await run(next);
    };
    this.running = run(changed === undefined ? null : new Set(changed)).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    await this.running?.catch(() => undefined);
    await this.bundler.dispose();
  }

  private affected(state: FileState | undefined, file: string, changed: Set<string> | null): boolean {
    if (!state || changed === null) return true;
    if (changed.has(file)) return true;
    for (const input of state.build.inputs) if (changed.has(input)) return true;
    // A changed folder (renamed, recreated) may hold any of the inputs.
    for (const c of changed) if (state.build.inputs.some((i) => i.startsWith(c + sep))) return true;
    return false;
  }

  private async rebuild(changed: Set<string> | null): Promise<void> {
    if (this.closed) return;
    const started = performance.now();
    const found = discoverTaskFiles(this.dir, this.taskDirs);
    const present = new Set(found);
    for (const file of [...this.files.keys()]) {
      if (present.has(file)) continue;
      this.files.delete(file);
      await this.bundler.forget(file);
      const bundlePath = bundlePathFor(this.dir, this.outDir, file);
      await rm(bundlePath, { force: true });
      await rm(manifestPathFor(bundlePath), { force: true });
    }
    const toBuild = found.filter((f) => this.affected(this.files.get(f), f, changed));
    const builds = await this.bundler.buildAll(toBuild);
    const indexed = await Promise.all(builds.map((b) => indexBundle(b, this.o.index)));
    builds.forEach((b, i) => this.files.set(b.file, { build: b, tasks: indexed[i]!.tasks, queues: indexed[i]!.queues, error: indexed[i]!.error }));
    if (this.closed) return;

    const ordered = found.map((f) => this.files.get(f)).filter((s): s is FileState => s !== undefined);
    const merged = mergeIndexed(ordered.map((s) => ({ tasks: s.tasks, queues: s.queues, error: s.error, relPath: s.build.relPath })));
    const byId = new Map<string, { bundlePath: string; info: TaskInfo }>();
    for (const t of merged.tasks) {
      const state = ordered.find((s) => s.build.relPath === t.filePath);
      if (state?.build.bundlePath) byId.set(t.id, { bundlePath: state.build.bundlePath, info: t });
    }
    this.byId = byId;
    this.tasks = merged.tasks;
    this.queueMap = merged.queues;
    this.problems = merged.errors;
    this.watchInputs();
    if (toBuild.length > 0 || changed === null) {
      const ms = Math.round(performance.now() - started);
      this.o.log?.(
        `tasks: ${merged.tasks.length} task(s) in ${found.length} file(s); built ${builds.filter((b) => !b.reused).length}` +
          `${builds.some((b) => b.reused) ? `, reused ${builds.filter((b) => b.reused).length} unchanged` : ''} in ${ms} ms` +
          (merged.errors.length ? `; ${merged.errors.length} problem(s):\n  ${merged.errors.join('\n  ')}` : ''),
      );
    }
    this.o.onDidChange?.();
  }

  /** Watches the folders of imported workspace files that are outside the task folders. */
  private watchInputs(): void {
    if (!this.watcher) return;
    const dirs = new Set<string>();
    for (const s of this.files.values()) for (const input of s.build.inputs) dirs.add(dirname(input));
    this.watcher.setExtraDirs(dirs);
  }
}
