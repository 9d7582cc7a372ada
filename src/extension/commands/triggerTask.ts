import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { Tag, type TaskInfo } from '../../protocol/api';
import { Json } from '../../protocol/run';
import { errorMessage } from './args';
import { parsePayloadInput, parseTagsInput } from './inputs';
import type { CommandDef } from './command';
import type { Services } from '../services';

const PAYLOADS_KEY = 'runlight.lastPayloads';

/** `runlight.triggerTask` may also be called with a request (tests, other extensions): no prompts then. */
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

/** Asks for a task's payload (JSON, the last one given as the start) and tags, as Trigger Task does; undefined if dismissed. */
export async function askPayloadAndTags(
  s: Services,
  taskId: string,
  verb: string,
): Promise<{ payload: Json | undefined; tags: string[] | undefined } | undefined> {
  const payloads = s.context.workspaceState.get<Record<string, string>>(PAYLOADS_KEY, {});
  const text = await vscode.window.showInputBox({
    title: `${verb} ${taskId} (1/2)`,
    prompt: 'Payload (JSON; empty for none)',
    value: payloads[taskId] ?? '{}',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parsePayloadInput(v);
      return r.ok ? undefined : { message: r.message, severity: vscode.InputBoxValidationSeverity.Error };
    },
  });
  if (text === undefined) return undefined;
  const p = parsePayloadInput(text);
  if (!p.ok) return undefined;
  const payload = p.value;
  await s.context.workspaceState.update(PAYLOADS_KEY, { ...payloads, [taskId]: text });
  const tagText = await vscode.window.showInputBox({
    title: `${verb} ${taskId} (2/2)`,
    prompt: 'Tags, comma-separated (optional)',
    placeHolder: 'user:42, demo',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseTagsInput(v);
      return r.ok ? undefined : { message: r.message, severity: vscode.InputBoxValidationSeverity.Error };
    },
  });
  if (tagText === undefined) return undefined;
  const t = parseTagsInput(tagText);
  return { payload, tags: t.ok && t.tags.length ? t.tags : undefined };
}

export const triggerTask: CommandDef = {
  id: 'runlight.triggerTask',
  async run(s, arg) {
    const direct = TriggerArgs.safeParse(arg);
    let taskId: string;
    let payload: Json | undefined;
    let tags: string[] | undefined;
    let open = true;
    if (direct.success) {
      ({ taskId, payload, tags } = direct.data);
      open = direct.data.open ?? true;
    } else {
      const picked = await pickTask(s, arg);
      if (!picked) return undefined;
      taskId = picked;
      const input = await askPayloadAndTags(s, taskId, 'Trigger');
      if (!input) return undefined;
      ({ payload, tags } = input);
    }
    try {
      const conn = await s.engine.ensureStarted();
      const { id } = await conn.client.trigger(taskId, payload, tags ? { tags } : undefined);
      s.log.info(`Triggered ${taskId}: run ${id}`);
      if (open) s.panels.open(id);
      return id;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not trigger ${taskId}: ${errorMessage(err)}`);
      if (direct.success) throw err;
      return undefined;
    }
  },
};
