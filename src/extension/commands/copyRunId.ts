import * as vscode from 'vscode';
import { resolveRunId } from './args';
import type { CommandDef } from './command';

export const copyRunId: CommandDef = {
  id: 'runlight.copyRunId',
  async run(s, arg) {
    const runId = await resolveRunId(s, arg, 'Run whose id to copy');
    if (!runId) return undefined;
    await vscode.env.clipboard.writeText(runId);
    vscode.window.setStatusBarMessage(`$(copy) Copied ${runId}`, 3000);
    return runId;
  },
};
