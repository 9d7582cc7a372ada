import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { Tag, TriggerOptions } from '../../protocol/api';
import { Json } from '../../protocol/run';
import { startDebugRun } from '../debug/startDebugRun';
import { errorMessage } from './args';
import { askPayloadAndTags, pickTask } from './triggerTask';
import type { CommandDef } from './command';

/**
 * `runlight.debugTask` called with a request (the trigger form, tests, other extensions): no prompts then. `options`
 * are the trigger options; a debug run refuses those that would not start a new run at once (idempotency key, delay).
 */
export const DebugTaskArgs = z.object({
  taskId: z.string().check(z.minLength(1)),
  payload: z.optional(Json),
  tags: z.optional(z.array(Tag)),
  options: z.optional(TriggerOptions),
});
export type DebugTaskArgs = z.infer<typeof DebugTaskArgs>;

/** The first problem of bad direct arguments, naming the field. */
function argsProblem(error: z.core.$ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.length ? issue.path.join('.') : 'arguments'}: ${issue.message}` : 'invalid arguments';
}

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
      const parsed = DebugTaskArgs.safeParse(arg);
      if (!parsed.success) {
        const message = `Runlight: cannot debug: ${argsProblem(parsed.error)}`;
        void vscode.window.showErrorMessage(message);
        throw new Error(message);
      }
      req = parsed.data;
    } else {
      const taskId = await pickTask(s, arg, 'Task to debug');
      if (!taskId) return undefined;
      const input = await askPayloadAndTags(s, taskId, 'Debug');
      if (!input) return undefined;
      req = { taskId, ...(input.payload !== undefined ? { payload: input.payload } : {}), ...(input.tags ? { tags: input.tags } : {}) };
    }
    const tags = req.tags ?? req.options?.tags;
    const options = { ...req.options, ...(tags ? { tags } : {}) };
    try {
      return await startDebugRun(s, req.taskId, { payload: req.payload, ...(Object.keys(options).length ? { options } : {}) });
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not debug ${req.taskId}: ${errorMessage(err)}`);
      if (direct) throw err;
      return undefined;
    }
  },
};
