import * as vscode from 'vscode';
import { isTerminal } from '../../shared/status';
import { startDebugRun } from '../debug/startDebugRun';
import { errorMessage, resolveRunId } from './args';
import type { CommandDef } from './command';

/**
 * Runs a finished run again (same task, payload and tags) with its worker under VS Code's JavaScript debugger, and
 * opens the new run's panel; returns the new run id.
 */
export const debugReplay: CommandDef = {
  id: 'runlight.debugReplay',
  async run(s, arg) {
    const runId = await resolveRunId(s, arg, 'Finished run to debug again', (r) => isTerminal(r.status));
    if (!runId) return undefined;
    try {
      const conn = await s.engine.ensureStarted();
      const run = await conn.client.retrieveRun(runId);
      const id = await startDebugRun(s, run.taskIdentifier, {
        payload: run.payload,
        ...(run.payloadMeta !== undefined ? { payloadMeta: run.payloadMeta } : {}),
        ...(run.tags.length ? { options: { tags: run.tags } } : {}),
      });
      s.log.info(`Debug replay of run ${runId}: ${id}`);
      return id;
    } catch (err) {
      const message = `Runlight: could not debug ${runId} again: ${errorMessage(err)}`;
      s.panels.get(runId)?.notice({ level: 'error', message });
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
  },
};
