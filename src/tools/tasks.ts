import type { EngineClient } from '../client/api';
import type { TaskInfo } from '../protocol/api';
import type { Json } from '../protocol/run';
import { ListTasksInput, TriggerTaskInput } from '../protocol/tools';
import { checkJsonSchema } from './json-schema-check';
import { defineTool, ToolError } from './tool';

export const listTasks = defineTool({
  name: 'list_tasks',
  title: 'List tasks',
  description:
    'Lists the tasks the Runlight engine found in this workspace (Trigger.dev-style task files), with each task file, ' +
    'maxDuration and payload JSON Schema where the task declares one. Call it before trigger_task.',
  input: ListTasksInput,
  writes: false,
  async run(_input, ctx) {
    const { tasks, errors } = await (await ctx.engine()).listTasks();
    const lines = tasks.length === 0 ? ['No tasks found (task files export task({ id, run }) under a trigger/ folder).'] : [`${tasks.length} task(s):`];
    for (const t of tasks) {
      const where = `${t.filePath}${t.line ? `:${t.line}` : ''}`;
      const extra = [t.maxDuration ? `maxDuration ${t.maxDuration}s` : '', t.maxAttempts ? `maxAttempts ${t.maxAttempts}` : ''].filter(Boolean).join(', ');
      lines.push(`- ${t.id} (${where}${extra ? `; ${extra}` : ''})`);
      if (t.payloadSchema) lines.push(`  payload schema: ${JSON.stringify(t.payloadSchema)}`);
    }
    if (tasks.some((t) => !t.payloadSchema)) lines.push('Tasks without a payload schema take any JSON payload (see the task file for what it reads).');
    if (errors.length) lines.push(`Task files that failed to load:\n${errors.map((e) => `- ${e}`).join('\n')}`);
    return lines.join('\n');
  },
});

export const triggerTask = defineTool({
  name: 'trigger_task',
  title: 'Trigger a task',
  description:
    'Starts a run of a task with a JSON payload (checked against the task payload schema first, when it declares one). ' +
    'Returns the run id at once; then use wait_for_run, get_run, get_run_stream or get_run_logs with it.',
  input: TriggerTaskInput,
  writes: true,
  confirm: (input) => ({
    title: `Run task ${input.taskId}?`,
    message: `Runlight will run the task **${input.taskId}** of this workspace${input.payload === undefined ? '' : ` with the payload\n\n\`\`\`json\n${JSON.stringify(input.payload, null, 2)}\n\`\`\``}`,
  }),
  async run(input, ctx) {
    const client = await ctx.engine();
    const task = await findTask(client, input.taskId);
    if (task.payloadSchema) {
      const problems = checkJsonSchema(task.payloadSchema, input.payload, 'payload');
      if (problems.length) throw new ToolError(`The payload does not match the payload schema of ${task.id}:\n${problems.join('\n')}`);
    }
    const options = {
      ...(input.tags?.length ? { tags: input.tags } : {}),
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
      ...(input.delay ? { delay: input.delay } : {}),
    };
    const { id } = await client.trigger(
      task.id,
      input.payload === undefined ? undefined : jsonOf(input.payload),
      Object.keys(options).length ? options : undefined,
    );
    const lines = [
      `Triggered ${task.id}: run ${id}.`,
      `Wait for its result with wait_for_run {"runId":"${id}"}; read its streamed text with get_run_stream and its logs with get_run_logs.`,
    ];
    const hint = ctx.watchHint?.(id);
    if (hint) lines.push(hint);
    return lines.join('\n');
  },
});

async function findTask(client: EngineClient, taskId: string): Promise<TaskInfo> {
  const { tasks, errors } = await client.listTasks();
  const task = tasks.find((t) => t.id === taskId);
  if (task) return task;
  const known = tasks.length ? `the tasks are: ${tasks.map((t) => t.id).join(', ')}` : 'the engine found no tasks';
  const failed = errors.length ? `; ${errors.length} task file(s) failed to load (see list_tasks)` : '';
  throw new ToolError(`taskId: no task "${taskId}" in this workspace; ${known}${failed}.`);
}

/** MCP and VS Code hand over parsed JSON already; a copy through JSON makes sure nothing else slips in. */
function jsonOf(value: unknown): Json {
  const text = JSON.stringify(value);
  if (text === undefined) throw new ToolError('payload: not a JSON value');
  return JSON.parse(text) as Json;
}
