import * as vscode from 'vscode';
import { errorMessage, resolveRunId } from './args';
import type { CommandDef } from './command';
import { isCancelable } from '../../shared/status';

export const cancelRun: CommandDef = {
  id: 'runlight.cancelRun',
  async run(s, arg) {
    const runId = await resolveRunId(s, arg, 'Run to cancel', (r) => isCancelable(r.status));
    if (!runId) return undefined;
    try {
      const conn = await s.engine.ensureStarted();
      await conn.client.cancelRun(runId);
      s.log.info(`Canceled run ${runId}`);
      return runId;
    } catch (err) {
      const message = `Runlight: could not cancel ${runId}: ${errorMessage(err)}`;
      s.panels.get(runId)?.notice({ level: 'error', message });
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
  },
};
