import * as vscode from 'vscode';
import { replayForm } from '../form/formModel';
import { errorMessage, resolveRunId } from './args';
import type { CommandDef } from './command';

/**
 * Replay with Edited Payload… (Runs view, run panel, palette): opens the run's task's trigger form with the run's
 * payload, tags, ttl and queue, to edit and send as a new run. Its idempotency key is left out (it would find the
 * same run again).
 */
export const replayWithEditedPayload: CommandDef = {
  id: 'runlight.replayWithEditedPayload',
  async run(s, arg) {
    const runId = await resolveRunId(s, arg, 'Run to replay with an edited payload');
    if (!runId) return undefined;
    try {
      const conn = await s.engine.ensureStarted();
      const run = await conn.client.retrieveRun(runId);
      if (run.payloadMeta) s.log.warn(`Run ${runId}'s payload has non-JSON values (Dates, Maps…): the form shows their JSON form.`);
      await s.forms.open(run.taskIdentifier, replayForm(run));
      return run.taskIdentifier;
    } catch (err) {
      const message = `Runlight: could not open ${runId} for replay: ${errorMessage(err)}`;
      s.panels.get(runId)?.notice({ level: 'error', message });
      void vscode.window.showErrorMessage(message);
      return undefined;
    }
  },
};
