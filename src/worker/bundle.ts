import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import * as sdk from '../sdk';
import { collectTasks, taskDefinitionOf, type TaskDefinition, type TaskQueue } from '../sdk/task/registry';
import type { HookSet } from '../sdk/task/hookSet';

/** A task of a loaded bundle: its definition and the name it is exported under. */
export interface LoadedTask {
  def: TaskDefinition;
  exportName?: string;
}

export interface LoadedBundle {
  path: string;
  tasks: Map<string, LoadedTask>;
  /** Global hooks the bundle registered while it loaded (`tasks.onStart(...)` at module level): for its tasks. */
  hooks: HookSet;
  /** Shared queues (`queue(...)`) the bundle defined while it loaded. */
  queues: TaskQueue[];
  /** Problems that do not stop the bundle from loading (e.g. a task id defined twice). */
  warnings: string[];
}

declare global {
  // eslint-disable-next-line no-var -- the global the bundles' `@trigger.dev/sdk` module reads
  var __runlightSdk: Record<string, unknown> | undefined;
}

/** Names a bundle's interop code or a library may probe on a module; they read as absent. */
const PROBED = new Set(['then', '__esModule', 'default', 'toJSON', 'inspect', 'asymmetricMatch', '$$typeof', 'nodeType']);

/**
 * Makes `require("@trigger.dev/sdk")` in task bundles resolve to this worker's SDK. The object's
 * prototype turns a Trigger.dev export we do not have (`schedules`, `envvars`, …) into a readable
 * error at the first use instead of "cannot read properties of undefined".
 */
export function installSdkGlobal(): void {
  if (globalThis.__runlightSdk) return;
  const names = Object.keys(sdk);
  const missing = new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      if (typeof prop !== 'string' || PROBED.has(prop)) return undefined;
      if (prop in Object.prototype) return Reflect.get(Object.prototype, prop);
      throw new Error(`"${prop}" from @trigger.dev/sdk is not supported by Runlight (yet). Available: ${names.join(', ')}`);
    },
  });
  globalThis.__runlightSdk = Object.freeze(Object.assign(Object.create(missing) as Record<string, unknown>, sdk));
}

/** What evaluating a bundle gave: its module exports and what it registered (tasks, global hooks, queues). */
export type Collected = ReturnType<typeof collectTasks<unknown>>;

/**
 * Evaluates the bundle at `bundlePath` (the SDK installed for it, what it registers collected) and makes `T` of it.
 * `fresh` always re-evaluates; otherwise the `T` made before is reused while the file is unchanged (same inode, mtime
 * and size), so a warm worker does not re-run module code for every attempt, yet picks up a rebuilt bundle.
 */
export function loadStamped<T>(
  cache: Map<string, { stamp: string; value: T }>,
  bundlePath: string,
  fresh: boolean,
  make: (path: string, collected: Collected) => T,
): T {
  const path = resolve(bundlePath);
  const stat = statSync(path);
  // A rebuilt bundle is renamed into place: a new inode even when mtime and size look the same.
  const stamp = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  const hit = cache.get(path);
  if (!fresh && hit && hit.stamp === stamp) return hit.value;
  installSdkGlobal();
  delete require.cache[path];
  const collected = collectTasks(() => require(path) as unknown);
  delete require.cache[path];
  const value = make(path, collected);
  cache.set(path, { stamp, value });
  return value;
}

const cache = new Map<string, { stamp: string; value: LoadedBundle }>();

/** Loads a task bundle (see `loadStamped` for when it is evaluated again). */
export function loadBundle(bundlePath: string, fresh: boolean): LoadedBundle {
  return loadStamped(cache, bundlePath, fresh, bundleOf);
}

function bundleOf(path: string, { result, tasks: defs, hooks, queues }: Collected): LoadedBundle {
  const names = new Map<TaskDefinition, string>();
  if ((typeof result === 'object' || typeof result === 'function') && result !== null) {
    for (const [name, value] of Object.entries(result)) {
      const def = taskDefinitionOf(value);
      if (def && !names.has(def)) names.set(def, name);
    }
  }
  const tasks = new Map<string, LoadedTask>();
  const warnings: string[] = [];
  for (const def of defs) {
    if (tasks.has(def.id)) {
      warnings.push(`task id "${def.id}" is defined more than once in this file; the first one is used`);
      continue;
    }
    tasks.set(def.id, { def, exportName: names.get(def) });
  }
  return { path, tasks, hooks, queues, warnings };
}

/**
 * The queues a bundle defines, with their limits: each task's own or inline-named queue, and the shared
 * `queue()` objects. A queue only named (`queue: "name"`) is defined elsewhere and not listed.
 */
export function definedQueues(bundle: Pick<LoadedBundle, 'tasks' | 'queues'>): { name: string; concurrencyLimit?: number }[] {
  const out = new Map<string, { name: string; concurrencyLimit?: number }>();
  const add = (q: TaskQueue): void => {
    const seen = out.get(q.name);
    if (!seen || (seen.concurrencyLimit === undefined && q.concurrencyLimit !== undefined)) {
      out.set(q.name, q.concurrencyLimit === undefined ? { name: q.name } : { name: q.name, concurrencyLimit: q.concurrencyLimit });
    }
  };
  for (const q of bundle.queues) add(q);
  for (const { def } of bundle.tasks.values()) if (!def.queue.reference) add(def.queue);
  return [...out.values()];
}
