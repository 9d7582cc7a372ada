// Which run a task's write is for ('self', 'parent', 'root' or a run id), as seen from the attempt making it.
import { resolveTarget, type Lineage } from '../../shared/targets';
import type { RunStore } from '../store/types';

/** The attempt a write comes from: its run, and that run's lineage once a write has needed it. */
export interface WriteOrigin {
  readonly runId: string;
  /** The run's parent and root, read once when a write first targets them. */
  lineage?: Promise<Lineage>;
}

/** The run a task's write is for: itself, its parent or root (resolved as src/shared/targets says), or a run id. */
export async function targetRun(store: Pick<RunStore, 'getRun'>, a: WriteOrigin, target: string): Promise<string> {
  if (target !== 'parent' && target !== 'root') return resolveTarget(target, { id: a.runId });
  const lineage = (a.lineage ??= store.getRun(a.runId).then((r) => ({ id: a.runId, parentId: r?.parentRunId, rootId: r?.rootRunId })));
  // A failed read is tried again by the next write.
  lineage.catch(() => {
    if (a.lineage === lineage) delete a.lineage;
  });
  return resolveTarget(target, await lineage);
}
