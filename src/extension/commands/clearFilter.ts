import type { CommandDef } from './command';

export const clearFilter: CommandDef = {
  id: 'runlight.clearFilter',
  run(s) {
    s.runsTree.setFilter({});
  },
};
