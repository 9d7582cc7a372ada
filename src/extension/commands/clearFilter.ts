import type { CommandDef } from './command';
import { EMPTY_QUERY } from '../tree/runQuery';

/** Shows every run again (and forgets the filter kept across reloads). */
export const clearFilter: CommandDef = {
  id: 'runlight.clearFilter',
  run(s) {
    s.runsTree.setFilter(EMPTY_QUERY);
  },
};
