import type { Tool } from './tool';

/** The name of a tool in VS Code (package.json `contributes.languageModelTools`): `runlight_<tool>`. */
export function lmToolName(tool: Pick<Tool, 'name'>): string {
  return `runlight_${tool.name}`;
}

const TOOL_NAME =
  /\b(list_tasks|trigger_task|get_run_logs|get_run_stream|get_run|list_runs|wait_for_run|cancel_run|replay_run|list_wait_tokens|complete_wait_token)\b/g;

/** A text naming tools (`wait_for_run`) as VS Code names them (`runlight_wait_for_run`). */
export function withLmToolNames(text: string): string {
  return text.replace(TOOL_NAME, 'runlight_$1');
}

/** How a tool is declared in package.json `contributes.languageModelTools` (a unit test keeps the manifest equal to this). */
export function languageModelToolEntry(tool: Tool, inputSchema: Record<string, unknown>): Record<string, unknown> {
  return {
    name: lmToolName(tool),
    toolReferenceName: lmToolName(tool),
    displayName: `Runlight: ${tool.title}`,
    modelDescription: withLmToolNames(tool.description),
    userDescription: tool.description,
    canBeReferencedInPrompt: true,
    tags: ['runlight', tool.writes ? 'runlight-writes' : 'runlight-reads'],
    inputSchema,
  };
}
