/** The kinds of lifecycle hooks, per task (task options) and global (`tasks.onStart(...)` and the like). */
export const HOOK_KINDS = [
  'init',
  'cleanup',
  'middleware',
  'onStart',
  'onStartAttempt',
  'onSuccess',
  'onFailure',
  'onComplete',
  'onWait',
  'onResume',
  'onCancel',
  'catchError',
] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

/** What a run waits for, passed to `onWait` and `onResume` (Trigger.dev's `TaskWait`). */
export type TaskWait =
  { type: 'duration'; date: Date } | { type: 'token'; token: string } | { type: 'task'; runId: string } | { type: 'batch'; batchId: string; runCount: number };

// Hook functions are kept untyped here: their parameters are typed where they are registered and called.
export type AnyHook = (params: never) => unknown;

/** The hooks of a task definition, as the worker calls them (payload and output untyped). */
export type DefinitionHooks = { [K in HookKind]?: AnyHook };

/**
 * Global hooks of one scope, in registration order per kind. As in Trigger.dev, a hook registered again under
 * the same id (its name, or the function's name, or its source text) replaces the earlier one in place.
 */
export class HookSet {
  private readonly byKind = new Map<HookKind, Map<string, AnyHook>>();

  add(kind: HookKind, id: string, fn: AnyHook): void {
    let hooks = this.byKind.get(kind);
    if (!hooks) this.byKind.set(kind, (hooks = new Map()));
    hooks.set(id, fn);
  }

  list(kind: HookKind): AnyHook[] {
    return [...(this.byKind.get(kind)?.values() ?? [])];
  }

  get size(): number {
    let n = 0;
    for (const hooks of this.byKind.values()) n += hooks.size;
    return n;
  }
}
