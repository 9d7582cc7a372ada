import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { Tag, type TaskInfo } from '../../protocol/api';
import { Json } from '../../protocol/run';
import { errorMessage } from './args';
import type { CommandDef } from './command';
import type { Services } from '../services';

/** `runlight.triggerTask` may also be called with a request (tests, other extensions): no form, no prompts then. */
const TriggerArgs = z.object({
  taskId: z.string().check(z.minLength(1)),
  payload: z.optional(Json),
  tags: z.optional(z.array(Tag)),
  /** Open the run's panel (default true). */
  open: z.optional(z.boolean()),
});

/** The task a command acts on: `preset` (a task id, or a Tasks view node), else picked from the engine's tasks. */
export async function pickTask(s: Services, preset: unknown, placeHolder = 'Task to trigger'): Promise<string | undefined> {
  if (typeof preset === 'string' && preset) return s.tasksTree.byNode(preset)?.id ?? preset;
  const tasks = await s.tasksTree.reload();
  if (!tasks.length) {
    void vscode.window.showWarningMessage('Runlight: the engine found no tasks in this workspace (see the Tasks view).');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    tasks.map((t: TaskInfo) => ({ label: t.id, description: t.filePath, taskId: t.id })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.taskId;
}

export const triggerTask: CommandDef = {
  id: 'runlight.triggerTask',
  /** With a request: triggers at once and returns the run id. Otherwise opens the task's trigger form (no run yet). */
  async run(s, arg) {
    const direct = TriggerArgs.safeParse(arg);
    if (!direct.success) {
      const taskId = await pickTask(s, arg);
      if (taskId) await s.forms.open(taskId);
      return undefined;
    }
    const { taskId, payload, tags } = direct.data;
    try {
      const conn = await s.engine.ensureStarted();
      const { id } = await conn.client.trigger(taskId, payload, tags ? { tags } : undefined);
      s.log.info(`Triggered ${taskId}: run ${id}`);
      if (direct.data.open ?? true) s.panels.open(id);
      return id;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not trigger ${taskId}: ${errorMessage(err)}`);
      throw err;
    }
  },
};
