// Where a task's write goes: to its own run, its parent, its root, or a run named by id.

/** A run's place in its tree; a run triggered from outside any task has neither parent nor root. */
export interface Lineage {
  id: string;
  parentId?: string | undefined;
  rootId?: string | undefined;
}

/**
 * The run id a write aimed at `target` is for: `self` is the run itself, `parent` its parent and `root` its
 * root, each falling back to the nearest run that exists (a run without a parent is its own parent and root);
 * anything else names a run by id.
 */
export function resolveTarget(target: string | undefined, run: Lineage): string {
  switch (target) {
    case undefined:
    case 'self':
      return run.id;
    case 'parent':
      return run.parentId ?? run.id;
    case 'root':
      return run.rootId ?? run.parentId ?? run.id;
    default:
      return target;
  }
}
