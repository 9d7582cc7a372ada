import * as vscode from 'vscode';
import type { CommandDef } from './command';

/** Tree-only: opens a task's source file at its line. */
export const openTaskSource: CommandDef = {
  id: 'runlight.openTaskSource',
  async run(s, arg) {
    if (typeof arg !== 'string') return;
    const task = s.tasksTree.byNode(arg) ?? s.tasksTree.list().find((t) => t.id === arg);
    const uri = task && s.tasksTree.sourceUri(task);
    if (!task || !uri) return;
    const line = Math.max(0, (task.line ?? 1) - 1);
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(line, 0, line, 0), preview: true });
  },
};
