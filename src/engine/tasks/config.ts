/**
 * The project's trigger.config file on the engine's side: found at the workspace root, bundled like a task file
 * (with `@trigger.dev/build` imports stubbed, since `build` is not applied), loaded by a task worker, and turned into
 * what the catalog applies (task folders, task defaults) and the problems it shows.
 */
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectConfig } from '../../protocol/config';
import type { TaskInfo } from '../../protocol/api';
import { CONFIG_FILE_NAMES } from '../../shared/config';
import { describeError } from '../../shared/errors';
import { taskDirectories } from '../../shared/tasks';
import { TaskBundler, bundlePathFor } from './bundle';
import { manifestPathFor } from './build-cache';
import { workspaceRelative } from './discover';
import { buildExtensionsStub } from './build-stub';

/** What a worker says about a config bundle (the `configLoaded` message without its requestId). */
export interface ConfigReply {
  config: ProjectConfig;
  hooks: string[];
  problems: string[];
  error?: string;
}

/** Asks a task worker to load a config bundle (the engine runs it on its pool). */
export type LoadConfigBundle = (bundlePath: string) => Promise<ConfigReply>;

/** The project's config as the catalog uses it. */
export interface ConfigState {
  /** The config file, absolute; undefined when the workspace has none. */
  file?: string;
  /** Its bundle, when it built and loaded: workers load it for its hooks and retry settings. */
  bundlePath?: string;
  /** What it sets (empty when there is no config, or it did not load). */
  config: ProjectConfig;
  hooks: string[];
  /** Readable problems, each starting with the config's file name. */
  problems: string[];
  /** Workspace files the config bundle was built from (for watching). */
  inputs: string[];
}

export const NO_CONFIG: ConfigState = { config: {}, hooks: [], problems: [], inputs: [] };

/** The workspace's config file: the first of trigger.config.ts, .mts, .cts, .js, .mjs, .cjs at its root. */
export function findConfigFile(root: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const file = join(root, name);
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Builds and loads the config at `file` (workspace-relative `relPath`); never throws: what goes wrong is a problem. */
export async function loadConfigState(file: string, relPath: string, bundler: TaskBundler, load: LoadConfigBundle): Promise<ConfigState> {
  const build = await bundler.build(file);
  const inputs = build.inputs.length > 0 ? build.inputs : [file];
  if (!build.bundlePath) {
    return { ...NO_CONFIG, file, inputs, problems: [`${relPath}: ${build.error ?? 'build failed'}; the tasks load with the defaults`] };
  }
  let reply: ConfigReply;
  try {
    reply = await load(build.bundlePath);
  } catch (err) {
    reply = { config: {}, hooks: [], problems: [], error: describeError(err) };
  }
  if (reply.error !== undefined) {
    return { ...NO_CONFIG, file, inputs, problems: [`${relPath}: it threw while loading: ${reply.error}; the tasks load with the defaults`] };
  }
  const config = { ...reply.config, ...(reply.config.dirs ? { dirs: [...taskDirectories(reply.config.dirs)] } : {}) };
  return { file, bundlePath: build.bundlePath, config, hooks: reply.hooks, problems: reply.problems.map((p) => `${relPath}: ${p}`), inputs };
}

/**
 * A task as the catalog lists it: the config's `maxDuration` for a task without its own, and the config's
 * `retries.default.maxAttempts` for a task without its own `retry` (as `trigger dev` indexes them).
 */
export function withConfigDefaults(task: TaskInfo & { hasRetry?: boolean }, config: ProjectConfig): TaskInfo {
  const { hasRetry, ...info } = task;
  const maxDuration = info.maxDuration ?? config.maxDuration;
  const maxAttempts = hasRetry ? info.maxAttempts : (info.maxAttempts ?? config.retries?.default?.maxAttempts);
  return { ...info, ...(maxDuration !== undefined ? { maxDuration } : {}), ...(maxAttempts !== undefined ? { maxAttempts } : {}) };
}

/** What a config sets, in a few words for the engine log. */
function summary(c: ConfigState): string {
  const set = [
    c.config.dirs ? `dirs ${c.config.dirs.join(', ')}` : undefined,
    c.config.retries ? `retries ${JSON.stringify(c.config.retries)}` : undefined,
    c.config.maxDuration !== undefined ? `maxDuration ${c.config.maxDuration} s` : undefined,
    c.hooks.length ? `hooks ${c.hooks.join(', ')}` : undefined,
  ].filter((x) => x !== undefined);
  return set.length ? ` (${set.join('; ')})` : '';
}

/** The workspace's config, kept current: reloaded when it appears, goes away, or one of its inputs changes. */
export class ProjectConfigSource {
  private state: ConfigState = NO_CONFIG;
  /** Config bundles have `@trigger.dev/build` stubbed. */
  private readonly bundler: TaskBundler;

  constructor(
    private readonly dir: string,
    private readonly outDir: string,
    private readonly load: LoadConfigBundle,
    private readonly log?: (line: string) => void,
  ) {
    this.bundler = new TaskBundler(dir, outDir, true, [buildExtensionsStub]);
  }

  get current(): ConfigState {
    return this.state;
  }

  /** Reloads the config if `changed` (absolute paths; null: anything) may have changed it; true when it did. */
  async refresh(changed: Set<string> | null): Promise<boolean> {
    const file = findConfigFile(this.dir);
    const before = this.state;
    const touched = changed === null || file !== before.file || before.inputs.some((i) => changed.has(i));
    if (!touched) return false;
    if (before.file && before.file !== file) {
      await this.bundler.forget(before.file);
      const bundlePath = bundlePathFor(this.dir, this.outDir, before.file);
      await rm(bundlePath, { force: true });
      await rm(manifestPathFor(bundlePath), { force: true });
    }
    if (!file) {
      this.state = NO_CONFIG;
      if (before.file) this.log?.(`config: ${workspaceRelative(this.dir, before.file)} was removed; the defaults apply`);
      return true;
    }
    const relPath = workspaceRelative(this.dir, file);
    const c = (this.state = await loadConfigState(file, relPath, this.bundler, this.load));
    this.log?.(
      `config: ${relPath} ${c.bundlePath ? `loaded${summary(c)}` : 'not loaded'}` +
        (c.problems.length ? `; ${c.problems.length} problem(s):\n  ${c.problems.join('\n  ')}` : ''),
    );
    return true;
  }

  dispose(): Promise<void> {
    return this.bundler.dispose();
  }
}
