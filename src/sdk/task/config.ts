/**
 * Trigger.dev's `defineConfig` for a project's `trigger.config.ts`. The engine loads the file (bundled like a task
 * file) and applies `dirs`, `retries`, `maxDuration` and the global hooks; other fields are accepted and reported as
 * not applied.
 */
import type { RetryOptions } from './registry';
import type { FailureHookParams, InitHookParams, StartHookParams, SuccessHookParams, TaskInitOutput } from './hooks';

type Awaitable<T> = T | Promise<T>;

export interface TriggerConfig {
  /** The project ref on Trigger.dev; not used locally. */
  project: string;
  /** Folders with task files, relative to the project (default: every folder named `trigger`). */
  dirs?: string[];
  /** Retries of every task without its own `retry`; `enabledInDev: false` turns retries off in dev (as Runlight runs). */
  retries?: { enabledInDev?: boolean; default?: RetryOptions };
  /** The default `maxDuration` (compute seconds) of tasks without their own. */
  maxDuration?: number;
  /** @deprecated in Trigger.dev v4 (use `tasks.init` / middleware): runs before every attempt of every task. */
  init?: (params: InitHookParams) => Awaitable<TaskInitOutput>;
  /** @deprecated in Trigger.dev v4 (use `tasks.onStart`): runs before the first attempt of every run. */
  onStart?: (params: StartHookParams) => unknown;
  /** @deprecated in Trigger.dev v4 (use `tasks.onSuccess`). */
  onSuccess?: (params: SuccessHookParams) => unknown;
  /** @deprecated in Trigger.dev v4 (use `tasks.onFailure`): once a run has failed for good. */
  onFailure?: (params: FailureHookParams) => unknown;
  /** Build options of `trigger dev`/`deploy` (extensions, externals, …): not applied by Runlight. */
  build?: unknown;
  [field: string]: unknown;
}

/** Returns the config as given: the engine reads the file's default export (or its `config` export). */
export function defineConfig(config: TriggerConfig): TriggerConfig {
  return config;
}
