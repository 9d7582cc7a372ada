import * as backend from '../backend';

/**
 * The task-side SDK reaches the backend SDK (src/sdk/backend: `configure`, `tasks`, `runs`,
 * `readStream`) by name at call time, so this side builds and runs whether or not a given backend
 * function exists yet; a missing one becomes a readable error where it is used.
 */
type Fn = (...args: unknown[]) => unknown;

const exportsOf = backend as unknown as Record<string, unknown>;

export function backendFunction(path: readonly string[]): Fn | undefined {
  let cur: unknown = exportsOf;
  let owner: unknown;
  for (const seg of path) {
    if ((typeof cur !== 'object' && typeof cur !== 'function') || cur === null) return undefined;
    owner = cur;
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (typeof cur !== 'function') return undefined;
  const fn = cur as Fn;
  return (...args: unknown[]) => fn.apply(owner, args);
}

export function requireBackendFunction(path: readonly string[]): Fn {
  const fn = backendFunction(path);
  if (!fn) throw new Error(`${path.join('.')}() is not available in this build of the Runlight SDK`);
  return fn;
}
