import * as vscode from 'vscode';
import { debugRequestOf, parseDebugTaskArgs, type DebugTaskArgs } from '../debug/debugArgs';
import { startDebugRun } from '../debug/startDebugRun';
import { errorMessage } from './args';
import { pickTask } from './triggerTask';
import type { CommandDef } from './command';

/**
 * Triggers a run with its worker under VS Code's JavaScript debugger (breakpoints in the task's TypeScript file stop)
 * and opens its panel; returns the run id. A task id (CodeLens, Tasks view) or nothing (palette) opens the task's
 * trigger form, whose Debug lens sends it this way; a `DebugTaskArgs` object starts without prompts.
 */
export const debugTask: CommandDef = {
  id: 'runlight.debugTask',
  async run(s, arg) {
    let req: DebugTaskArgs;
    const direct = arg !== null && typeof arg === 'object';
    if (direct) {
      const parsed = parseDebugTaskArgs(arg);
      if (!parsed.ok) {
        const message = `Runlight: cannot debug: ${parsed.message}`;
        void vscode.window.showErrorMessage(message);
        throw new Error(message);
      }
      req = parsed.args;
    } else {
      const taskId = await pickTask(s, arg, 'Task to debug');
      if (!taskId) return undefined;
      await s.forms.open(taskId);
      vscode.window.setStatusBarMessage(`Runlight: fill in ${taskId}'s payload, then choose Debug above the form`, 8000);
      return undefined;
    }
    try {
      return await startDebugRun(s, req.taskId, debugRequestOf(req));
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not debug ${req.taskId}: ${errorMessage(err)}`);
      if (direct) throw err;
      return undefined;
    }
  },
};
