import type { CommandDef } from './command';

/** Tree-only: the "Show more…" node under a capped parent (argument: that node's id). */
export const showMore: CommandDef = {
  id: 'runlight.showMore',
  run(s, arg) {
    if (typeof arg !== 'string') return;
    const parentId = s.runsTree.node(arg)?.parentId ?? (arg.startsWith('more:') ? arg.slice(5) : undefined);
    if (parentId) s.runsTree.showMore(parentId);
  },
};
