import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { QueueInfo, TaskInfo } from '../../protocol/api';
import { manifestPathFor } from './build-cache';
import { esbuildKind } from './esbuild';
import { TaskBundler, bundlePathFor, type BundleResult } from './bundle';
import { discoverTaskFiles } from './discover';
import { indexBundle, mergeIndexed, type IndexBundle } from './indexer';
import { watchTasks, type TaskWatcher } from './watch';
import { NO_CONFIG, ProjectConfigSource, withConfigDefaults, type ConfigState, type LoadConfigBundle } from './config';
import { describeError } from '../../shared/errors';
import { isConfigFileName } from '../../shared/config';

export interface TaskCatalogOptions {
  /** The workspace folder. */
  dir: string;
  /** Task folders relative to dir (default: the config's `dirs`, else every folder named `trigger`, found at any depth). */
  taskDirs?: readonly string[];
  /** Where bundles go (default `<dir>/.runlight/build`). */
  outDir?: string;
  /** Runs an index request on a task worker (the engine owns the pool). */
  index: IndexBundle;
  /** Loads the project's trigger.config bundle on a task worker; without it the config file is not read. */
  loadConfig?: LoadConfigBundle;
  log?: (line: string) => void;
  /** Rebuild when task files change (default true). */
  watch?: boolean;
  debounceMs?: number;
  /** Called after every (re)build, whether or not anything changed. */
  onDidChange?: () => void;
}

interface FileState {
  build: BundleResult;
  tasks: Array<TaskInfo & { hasRetry?: boolean }>;
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
  /** The task folders listed by the engine's options (they win over the config's `dirs`). */
  private readonly listedDirs: readonly string[] | undefined;
  /** The task folders searched now: the listed ones, else the config's `dirs`, else undefined (every `trigger` folder). */
  private taskDirs: readonly string[] | undefined;
  private readonly bundler: TaskBundler;
  /** The project's trigger.config (when the catalog may load it). */
  private readonly configSource: ProjectConfigSource | undefined;

  constructor(private readonly o: TaskCatalogOptions) {
    this.dir = resolve(o.dir);
    this.outDir = resolve(o.outDir ?? join(this.dir, '.runlight', 'build'));
    this.listedDirs = o.taskDirs?.length ? o.taskDirs : undefined;
    this.taskDirs = this.listedDirs;
    this.bundler = new TaskBundler(this.dir, this.outDir);
    this.configSource = o.loadConfig ? new ProjectConfigSource(this.dir, this.outDir, o.loadConfig, o.log) : undefined;
  }

  /**
   * Starts watching, then builds and indexes every task file. Watching first: a task file written while the first
   * build runs (a new file, an editor's save) is built right after it, not left out until it changes again.
   */
  async start(): Promise<void> {
    if (this.o.watch !== false) this.rewatch();
    await this.refresh();
  }

  /** (Re)starts the watcher on the task folders searched now. */
  private rewatch(): void {
    this.watcher?.close();
    this.watcher = watchTasks(
      this.dir,
      this.taskDirs,
      (changed) => {
        const relevant = changed.filter((p) => this.isRelevant(p));
        if (relevant.length > 0) void this.refresh(relevant).catch(() => undefined);
      },
      { debounceMs: this.o.debounceMs },
    );
    this.watchInputs();
  }

  /**
   * Whether a changed path may change the tasks: any, except a file at the workspace root (watched for the config
   * file) that is neither a config file nor imported by a task or the config.
   */
  private isRelevant(path: string): boolean {
    if (dirname(path) !== this.dir || isConfigFileName(basename(path))) return true;
    if (this.config.inputs.includes(path)) return true;
    for (const s of this.files.values()) if (s.build.inputs.includes(path)) return true;
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  }

  private get config(): ConfigState {
    return this.configSource?.current ?? NO_CONFIG;
  }

  /** The bundle of the project's config, when it has one that loads (workers load it for its hooks and retries). */
  configBundle(): string | undefined {
    return this.config.bundlePath;
  }

  /** The task folders searched (workspace-relative), when they are listed (by the engine's options or the config's `dirs`). */
  taskFolders(): readonly string[] | undefined {
    return this.taskDirs;
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

  /** Problems of the config, then of the task files; each starts with the file it is about. */
  errors(): string[] {
    return [...this.config.problems, ...this.problems];
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
    await this.configSource?.dispose();
  }

  private affected(state: FileState | undefined, file: string, changed: Set<string> | null): boolean {
    if (!state || changed === null) return true;
    if (changed.has(file)) return true;
    for (const input of state.build.inputs) if (changed.has(input)) return true;
    // A changed folder (renamed, recreated) may hold any of the inputs.
    for (const c of changed) if (state.build.inputs.some((i) => i.startsWith(c + sep))) return true;
    return false;
  }

  /** Reloads the config when it may have changed; follows its `dirs` (unless the engine lists the task folders). */
  private async reloadConfig(changed: Set<string> | null): Promise<void> {
    if (!this.configSource || !(await this.configSource.refresh(changed))) return;
    const dirs = this.listedDirs ?? (this.config.config.dirs?.length ? this.config.config.dirs : undefined);
    if ((dirs ?? []).join('\n') !== (this.taskDirs ?? []).join('\n') || (dirs === undefined) !== (this.taskDirs === undefined)) {
      this.taskDirs = dirs;
      if (this.watcher && !this.closed) this.rewatch();
    }
  }

  private async rebuild(changed: Set<string> | null): Promise<void> {
    if (this.closed) return;
    const started = performance.now();
    await this.reloadConfig(changed);
    if (this.closed) return;
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
    const config = this.config.config;
    const merged = mergeIndexed(
      ordered.map((s) => ({ tasks: s.tasks.map((t) => withConfigDefaults(t, config)), queues: s.queues, error: s.error, relPath: s.build.relPath })),
    );
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
          (builds.some((b) => !b.reused) ? ` (${esbuildKind() === 'native' ? 'native esbuild' : 'esbuild-wasm'})` : '') +
          (merged.errors.length ? `; ${merged.errors.length} problem(s):\n  ${merged.errors.join('\n  ')}` : ''),
      );
    }
    this.o.onDidChange?.();
  }

  /** Watches the folders of imported workspace files that are outside the task folders. */
  private watchInputs(): void {
    if (!this.watcher) return;
    // The workspace root always: a config file may appear there.
    const dirs = new Set<string>([this.dir]);
    for (const s of this.files.values()) for (const input of s.build.inputs) dirs.add(dirname(input));
    for (const input of this.config.inputs) dirs.add(dirname(input));
    this.watcher.setExtraDirs(dirs);
  }
}
