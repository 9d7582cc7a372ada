import type { CommandDef } from './command';

/** Re-reads runs, tasks and schedules from the engine and repaints the tree at once (no coalescing delay). */
export const refresh: CommandDef = {
  id: 'runlight.refresh',
  async run(s) {
    await s.engine.ensureStarted();
    await Promise.all([s.reconcileRuns(), s.tasksTree.reload(), s.schedulesTree.reload()]);
    s.runsTree.refresh();
  },
};
