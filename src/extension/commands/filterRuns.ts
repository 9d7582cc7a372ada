import * as vscode from 'vscode';
import { RunStatus } from '../../protocol/run';
import { RUN_STATUSES, statusLook } from '../../shared/status';
import type { CommandDef } from './command';
import type { RunFilter } from '../tree/model';

type Item = vscode.QuickPickItem & { status?: RunStatus; taskId?: string };

/** Filter the Runs view by status and/or task (multi-select). Also callable with a RunFilter. */
export const filterRuns: CommandDef = {
  id: 'runlight.filterRuns',
  async run(s, arg) {
    if (arg && typeof arg === 'object') {
      const o = arg as Record<string, unknown>;
      const statuses = Array.isArray(o.statuses) ? o.statuses.filter((x): x is RunStatus => RunStatus.safeParse(x).success) : undefined;
      const taskIds = Array.isArray(o.taskIds) ? o.taskIds.filter((x): x is string => typeof x === 'string') : undefined;
      s.runsTree.setFilter({ statuses, taskIds });
      return s.runsTree.activeFilter;
    }
    const current = s.runsTree.activeFilter;
    const tasks = [...new Set([...s.store.all().map((r) => r.taskIdentifier), ...s.tasksTree.list().map((t) => t.id)])].sort();
    const items: Item[] = [
      { label: 'Status', kind: vscode.QuickPickItemKind.Separator },
      ...RUN_STATUSES.map((st) => ({
        label: `$(${statusLook(st).codicon}) ${statusLook(st).label}`,
        description: st,
        status: st,
        picked: current.statuses?.includes(st) ?? false,
      })),
      { label: 'Task', kind: vscode.QuickPickItemKind.Separator },
      ...tasks.map((t) => ({ label: `$(symbol-event) ${t}`, taskId: t, picked: current.taskIds?.includes(t) ?? false })),
    ];
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, placeHolder: 'Show only runs with these statuses / tasks' });
    if (!picked) return undefined;
    const filter: RunFilter = {
      statuses: picked.flatMap((p) => (p.status ? [p.status] : [])),
      taskIds: picked.flatMap((p) => (p.taskId ? [p.taskId] : [])),
    };
    s.runsTree.setFilter(filter);
    return filter;
  },
};
