import { bulkOptions, runBulk } from './bulk';
import { groupsOfArgs } from './groupArgs';
import type { CommandDef } from './command';

/**
 * Cancel All on a tag or batch group of the Runs view (or several selected): cancels the group's runs that have not
 * finished, as the view shows the group (the filter applies), asking first when they are more than a few.
 * Returns the ids canceled.
 */
export const cancelAll: CommandDef = {
  id: 'runlight.cancelAll',
  async run(s, ...args) {
    const groups = groupsOfArgs(s, args[0], args[1]);
    if (!groups) return undefined;
    return (await runBulk(s, 'cancel', groups.runs, { where: groups.where, confirm: bulkOptions(args).confirm }))?.done;
  },
};
