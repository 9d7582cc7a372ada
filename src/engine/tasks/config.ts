/**
 * The project's trigger.config file on the engine's side: found at the workspace root, bundled like a task file
 * (with `@trigger.dev/build` imports stubbed, since `build` is not applied), loaded by a task worker, and turned into
 * what the catalog applies (task folders, task defaults) and the problems it shows.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'esbuild-wasm';
import type { ProjectConfig } from '../../protocol/config';
import type { TaskInfo } from '../../protocol/api';
import { CONFIG_FILE_NAMES } from '../../shared/config';
import { describeError } from '../../shared/errors';
import { taskDirectories } from '../../shared/tasks';
import type { TaskBundler } from './bundle';

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

const BUILD_IMPORT = /^@trigger\.dev\/build(\/.*)?$/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `@trigger.dev/build` (build extensions such as `prismaExtension`) in a config file: each name the file imports
 * becomes a function returning a placeholder, so a config with build extensions loads whether or not the package
 * is installed (its `build` field is not applied anyway).
 */
export const buildExtensionsStub: Plugin = {
  name: 'runlight-build-stub',
  setup(build) {
    build.onResolve({ filter: BUILD_IMPORT }, (args) => ({ path: args.path, namespace: 'runlight-build-stub', pluginData: { importer: args.importer } }));
    build.onLoad({ filter: /.*/, namespace: 'runlight-build-stub' }, (args) => {
      const importer = (args.pluginData as { importer?: string } | undefined)?.importer;
      let source = '';
      try {
        source = importer ? readFileSync(importer, 'utf8') : '';
      } catch {
        // no names then
      }
      const names = new Set<string>();
      const named = new RegExp(`import\\s*(?:type\\s+)?(?:[\\w$]+\\s*,\\s*)?\\{([^}]*)\\}\\s*from\\s*["']${escapeRegExp(args.path)}["']`, 'g');
      for (const m of source.matchAll(named)) {
        for (const part of m[1]!.split(',')) {
          const name = part
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0]!
            .trim();
          if (/^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default') names.add(name);
        }
      }
      const stub = (name: string) => `(...args) => ({ name: ${JSON.stringify(name)}, ignoredByRunlight: true, args })`;
      const contents = [...names].map((n) => `export const ${n} = ${stub(n)};`).join('\n') + `\nexport default ${stub('default')};\n`;
      return { loader: 'js', contents };
    });
  },
};

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
