/** Which run a task's write is for ('self', 'parent', 'root' or a run id), as seen from the attempt making it. */

import type { RunStore } from '../store/types';

/** The attempt a write comes from: its run, and that run's parent and root once a write has needed them. */
export interface WriteOrigin {
  readonly runId: string;
  /** The run's parent and root, read once when a write first targets them. */
  lineage?: Promise<{ parent: string; root: string }>;
}

/** The run a task's write is for: itself, its parent or root (itself when it has none), or a run id. */
export async function targetRun(store: Pick<RunStore, 'getRun'>, a: WriteOrigin, target: string): Promise<string> {
  if (target === 'self') return a.runId;
  if (target !== 'parent' && target !== 'root') return target;
  const lineage = (a.lineage ??= store.getRun(a.runId).then((r) => ({
    parent: r?.parentRunId ?? a.runId,
    root: r?.rootRunId ?? r?.parentRunId ?? a.runId,
  })));
  // A failed read is tried again by the next write.
  lineage.catch(() => {
    if (a.lineage === lineage) delete a.lineage;
  });
  return (await lineage)[target];
}
