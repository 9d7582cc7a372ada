import * as vscode from 'vscode';
import { debugRequestOf, parseDebugTaskArgs, type DebugTaskArgs } from '../debug/debugArgs';
import { startDebugRun } from '../debug/startDebugRun';
import { errorMessage } from './args';
import { askPayloadAndTags, pickTask } from './triggerTask';
import type { CommandDef } from './command';

/**
 * Triggers a run with its worker under VS Code's JavaScript debugger (breakpoints in the task's TypeScript file stop)
 * and opens its panel; returns the run id. A task id (CodeLens, Tasks view) or nothing (palette) asks for the
 * payload and tags as Trigger Task does; a `DebugTaskArgs` object starts without prompts.
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
      const input = await askPayloadAndTags(s, taskId, 'Debug');
      if (!input) return undefined;
      req = { taskId, ...(input.payload !== undefined ? { payload: input.payload } : {}), ...(input.tags ? { tags: input.tags } : {}) };
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
