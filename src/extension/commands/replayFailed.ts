import { isFailedRun } from '../tree/model';
import { bulkOptions, runBulk } from './bulk';
import { groupsOfArgs } from './groupArgs';
import type { CommandDef } from './command';

/**
 * Replay Failed on a tag or batch group of the Runs view (or several selected): replays the group's failed runs
 * (failed, crashed, system failure, timed out, expired) as the view shows the group (the filter applies), asking
 * first when they are more than a few. Returns the new runs' ids.
 */
export const replayFailed: CommandDef = {
  id: 'runlight.replayFailed',
  async run(s, ...args) {
    const groups = groupsOfArgs(s, args[0], args[1]);
    if (!groups) return undefined;
    return (await runBulk(s, 'replay', groups.runs.filter(isFailedRun), { where: groups.where, confirm: bulkOptions(args).confirm }))?.done;
  },
};
