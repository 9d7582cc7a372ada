import * as vscode from 'vscode';
import { errorMessage, resolveRunId } from './args';
import type { CommandDef } from './command';

/** Replays a run (same task, payload and tags) and opens the new run's panel; returns the new run id. */
export const replayRun: CommandDef = {
  id: 'runlight.replayRun',
  async run(s, arg) {
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
