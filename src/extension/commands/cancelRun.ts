import * as vscode from 'vscode';
import { errorMessage, resolveRunId } from './args';
import { bulkOptions, runBulk, runsOfArg, selectedNodes } from './bulk';
import type { CommandDef } from './command';
import { isCancelable } from '../../shared/status';

/**
 * Cancels a run; with several runs selected in the Runs view (or `{ runIds }`), every one of them that has not
 * finished (asking first when they are more than a few). Returns the run id, or the ids canceled.
 */
export const cancelRun: CommandDef = {
  id: 'runlight.cancelRun',
  async run(s, arg, selection, ...rest) {
    const many = runsOfArg(s, arg) ?? selectedNodes(s, arg, selection)?.flatMap((n) => (n.runId ? (s.store.get(n.runId) ?? []) : []));
    if (many) return (await runBulk(s, 'cancel', many, bulkOptions([arg, selection, ...rest])))?.done;
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
