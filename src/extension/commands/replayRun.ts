import * as vscode from 'vscode';
import { errorMessage, resolveRunId } from './args';
import { bulkOptions, runBulk, runsOfArg, selectedNodes } from './bulk';
import type { CommandDef } from './command';

/**
 * Replays a run (same task, payload and tags) and opens the new run's panel; returns the new run id. With several
 * runs selected in the Runs view (or `{ runIds }`), replays each (asking first when they are more than a few) and
 * opens no panel; returns the new runs' ids.
 */
export const replayRun: CommandDef = {
  id: 'runlight.replayRun',
  async run(s, arg, selection, ...rest) {
    const many = runsOfArg(s, arg) ?? selectedNodes(s, arg, selection)?.flatMap((n) => (n.runId ? (s.store.get(n.runId) ?? []) : []));
    if (many) return (await runBulk(s, 'replay', many, bulkOptions([arg, selection, ...rest])))?.done;
    const runId = await resolveRunId(s, arg, 'Run to replay');
    if (!runId) return undefined;
    try {
      const conn = await s.engine.ensureStarted();
      const { id } = await conn.client.replayRun(runId);
      s.log.info(`Replayed run ${runId} as ${id}`);
      s.panels.open(id);
      return id;
    } catch (err) {
      const message = `Runlight: could not replay ${runId}: ${errorMessage(err)}`;
      s.panels.get(runId)?.notice({ level: 'error', message });
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
  },
};
