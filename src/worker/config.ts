/**
 * The project's trigger.config file in the worker: loads its bundle (as task bundles are loaded), checks each data
 * field on its own (a bad one is dropped, named, and its default applies) and collects its global hooks.
 */
import { CONFIG_FIELDS, CONFIG_HOOKS, type ConfigHook, type ProjectConfig } from '../protocol/config';
import type { AnyHook, HookSet } from '../sdk/task/hookSet';
import { loadStamped, type Collected } from './bundle';

export interface LoadedConfig {
  /** The data fields that were present and valid. */
  config: ProjectConfig;
  /** The config's hooks (`init`, `onStart`, `onSuccess`, `onFailure`, the `handleError` export as catchError) and any `tasks.onX(...)` it calls. */
  hooks: HookSet;
  /** Which of the config's own hooks it defines. */
  hookKinds: Array<ConfigHook | 'handleError'>;
  /** One readable problem per field that is not taken (without the file name: the caller adds it). */
  problems: string[];
}

/** The id config hooks are registered under (as `trigger dev` does). */
const CONFIG_HOOK_ID = 'config';

/** Fields of Trigger.dev's TriggerConfig that Runlight accepts without applying them, because they change nothing locally. */
const QUIETLY_ACCEPTED = new Set([
  'runtime',
  'machine',
  'logLevel',
  'deploy',
  'compatibilityFlags',
  'processKeepAlive',
  'experimental_processKeepAlive',
  'enableConsoleLogging',
  'disableConsoleInterceptor',
  'legacyDevProcessCwdBehaviour',
  'additionalPackages',
  'additionalFiles',
  'dependenciesToBundle',
  'postInstall',
]);

/** Fields of TriggerConfig that would change how tasks build or run, and that Runlight does not apply: said once. */
const NOT_APPLIED = new Set(['build', 'telemetry', 'instrumentations', 'ignorePatterns', 'ttl', 'tsconfig', 'tsconfigPath', 'extraCACerts']);

/** Hook names a config has no place for (they are `tasks.onX(...)` calls in Trigger.dev v4). */
const TASK_ONLY_HOOKS = new Set(['onStartAttempt', 'onComplete', 'onWait', 'onResume', 'onCancel', 'catchError', 'middleware', 'cleanup']);

type Issue = { path: PropertyKey[]; message: string };

function issueText(field: string, issue: Issue | undefined): string {
  const path = [field, ...(issue?.path ?? []).map(String)].join('.');
  return `${path}: ${issue?.message ?? 'invalid'}`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

/** The value at `path` inside `value`, for saying what was found. */
function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** Checks the config object's fields: the valid ones, the hooks, and a problem for each field not taken. */
export function readConfig(raw: Record<string, unknown>, hooks: HookSet, handleError: unknown): Omit<LoadedConfig, 'hooks'> {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  const hookKinds: LoadedConfig['hookKinds'] = [];
  const notApplied: string[] = [];
  const fields = { ...raw };
  // Trigger.dev's deprecated name of `dirs`.
  if (fields.dirs === undefined && fields.triggerDirectories !== undefined) fields.dirs = fields.triggerDirectories;
  delete fields.triggerDirectories;

  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Object.hasOwn(CONFIG_FIELDS, field)) {
      const parsed = CONFIG_FIELDS[field as keyof typeof CONFIG_FIELDS].safeParse(value);
      if (parsed.success) config[field] = parsed.data;
      else {
        const issue = parsed.error.issues[0];
        problems.push(`${issueText(field, issue)} (found ${describeValue(at(value, issue?.path ?? []))}); "${field}" is ignored, the default applies`);
      }
    } else if ((CONFIG_HOOKS as readonly string[]).includes(field)) {
      if (typeof value === 'function') {
        hooks.add(field as ConfigHook, CONFIG_HOOK_ID, value as AnyHook);
        hookKinds.push(field as ConfigHook);
      } else problems.push(`${field}: must be a function (found ${describeValue(value)}); it is ignored`);
    } else if (NOT_APPLIED.has(field)) notApplied.push(field);
    else if (TASK_ONLY_HOOKS.has(field)) {
      problems.push(
        `${field}: not a trigger.config option (only init, onStart, onSuccess and onFailure are); register it with tasks.${field}(…) in a task file`,
      );
    } else if (!QUIETLY_ACCEPTED.has(field)) problems.push(`${field}: not a trigger.config option; it is ignored`);
  }
  if (notApplied.length > 0) problems.push(`${notApplied.join(', ')}: not applied by Runlight (ignored)`);
  if (handleError !== undefined) {
    if (typeof handleError === 'function') {
      hooks.add('catchError', CONFIG_HOOK_ID, handleError as AnyHook);
      hookKinds.push('handleError');
    } else problems.push(`the handleError export must be a function (found ${describeValue(handleError)}); it is ignored`);
  }
  return { config: config as ProjectConfig, hookKinds, problems };
}

/** The config object of a loaded config module: its default export, else its `config` export (as `trigger dev`), else module.exports. */
function configOf(mod: unknown): { raw?: Record<string, unknown>; handleError?: unknown } {
  if (mod === null || typeof mod !== 'object') return {};
  const m = mod as Record<string, unknown>;
  const candidate = m.default ?? m.config ?? (m.__esModule ? undefined : m);
  const raw = candidate !== null && typeof candidate === 'object' && !Array.isArray(candidate) ? (candidate as Record<string, unknown>) : undefined;
  return { raw, handleError: m.handleError };
}

const cache = new Map<string, { stamp: string; value: LoadedConfig }>();

/**
 * Loads a config bundle; throws what its module code throws. `fresh` re-evaluates it; otherwise the loaded copy is
 * reused while the file is unchanged (see `loadStamped`).
 */
export function loadConfig(bundlePath: string, fresh: boolean): LoadedConfig {
  return loadStamped(cache, bundlePath, fresh, configFrom);
}

function configFrom(_path: string, { result, tasks, hooks }: Collected): LoadedConfig {
  const { raw, handleError } = configOf(result);
  let loaded: LoadedConfig;
  if (!raw) {
    loaded = {
      config: {},
      hooks,
      hookKinds: [],
      problems: ['has no config: export it as the default export (export default defineConfig({ … })); the defaults apply'],
    };
  } else loaded = { hooks, ...readConfig(raw, hooks, handleError) };
  if (tasks.length > 0) loaded.problems.push(`defines task(s) ${tasks.map((t) => `"${t.id}"`).join(', ')}: tasks belong in task files, these are not indexed`);
  return loaded;
}
