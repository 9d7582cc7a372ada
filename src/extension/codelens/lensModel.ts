import type { TaskInfo } from '../../protocol/api';
import type { Run } from '../../protocol/run';
import { formatRelative } from '../../shared/format';
import { statusLook } from '../../shared/status';

/** One lens above a task definition: its title and the command it runs (no vscode here, so it is unit-tested). */
export interface TaskLens {
  /** 0-based line of the task's definition. */
  line: number;
  title: string;
  command: string;
  args: unknown[];
  tooltip: string;
}

/** Whether `file` (workspace-relative, `/`-separated) is where the task is defined. */
function definedIn(task: TaskInfo, file: string): boolean {
  return task.filePath.replace(/\\/g, '/') === file;
}

const DEFINITION = /\b(task|schemaTask)\s*\(/;

/**
 * The 0-based line a task's lenses go on: the engine gives the line of its `id`, and the `task({` call that opens the
 * definition is usually a line or two above it.
 */
function definitionLine(idLine: number, lineText: (i: number) => string | undefined): number {
  for (let i = idLine; i >= 0 && i >= idLine - 4; i--) if (DEFINITION.test(lineText(i) ?? '')) return i;
  return idLine;
}

/**
 * The lenses of one task file: for each task defined in it, ▶ Trigger and Debug, then its latest run (status and age; a click
 * opens it) when there is one. `runs` may be in any order; the newest by createdAt is taken. `lineText` reads the
 * document, to put the lenses on the line that opens the definition.
 */
export function taskLenses(
  file: string,
  tasks: readonly TaskInfo[],
  runs: readonly Run[],
  now: number,
  lineText: (i: number) => string | undefined = () => undefined,
): TaskLens[] {
  const latest = new Map<string, Run>();
  for (const run of runs) {
    const seen = latest.get(run.taskIdentifier);
    if (!seen || run.createdAt > seen.createdAt) latest.set(run.taskIdentifier, run);
  }
  const out: TaskLens[] = [];
  for (const task of tasks) {
    if (!definedIn(task, file) || !task.line) continue;
    const line = definitionLine(task.line - 1, lineText);
    out.push({ line, title: '$(play) Trigger', command: 'runlight.triggerTask', args: [task.id], tooltip: `Trigger ${task.id}…` });
    out.push({
      line,
      title: '$(debug-alt) Debug',
      command: 'runlight.debugTask',
      args: [task.id],
      tooltip: `Trigger ${task.id} under the debugger (breakpoints in this file stop)…`,
    });
    const run = latest.get(task.id);
    if (run) {
      const look = statusLook(run.status);
      const age = formatRelative(run.createdAt, now);
      out.push({
        line,
        title: `$(${look.codicon.replace('~spin', '')}) ${look.label}${age ? ` ${age}` : ''}`,
        command: 'runlight.openRun',
        args: [run.id],
        tooltip: `The latest run of ${task.id}: ${run.id}`,
      });
    }
  }
  return out;
}
