import { completeWaitToken, listWaitTokens } from './tokens';
import { getRunLogs, getRunStream } from './output';
import { cancelRun, getRun, listRuns, replayRun, waitForRun } from './runs';
import { listTasks, triggerTask } from './tasks';
import type { Tool } from './tool';

export { defineTool, ToolError, type Tool, type ToolContext, type ToolProgress, type ToolResult } from './tool';

/** Every assistant tool, in the order clients list them. */
export const TOOLS: readonly Tool[] = [
  listTasks,
  triggerTask,
  getRun,
  listRuns,
  waitForRun,
  getRunLogs,
  getRunStream,
  cancelRun,
  replayRun,
  listWaitTokens,
  completeWaitToken,
];

/** The tools to offer: all, or without those that change anything. */
export function toolsFor(options: { readOnly: boolean }): readonly Tool[] {
  return options.readOnly ? TOOLS.filter((t) => !t.writes) : TOOLS;
}
