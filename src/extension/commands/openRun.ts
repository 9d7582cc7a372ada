import { resolveRunId } from './args';
import type { CommandDef } from './command';

export const openRun: CommandDef = {
  id: 'runlight.openRun',
  async run(s, arg) {
    const runId = await resolveRunId(s, arg, 'Run to open');
    if (!runId) return undefined;
    s.panels.open(runId);
    return runId;
  },
};
