import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';
import type { TaskInfo } from '../../protocol/api';
import { Disposable, toDisposable } from '../lifecycle';
import type { EngineManager } from '../engine/engineManager';
import { describeError } from '../../shared/errors';

/** Elements of the Tasks tree: `task:<id>` or `error:<n>`. */
export type TaskElement = string;

export function taskNodeId(taskId: string): string {
  return `task:${encodeURIComponent(taskId)}`;
}

/** The tasks the engine discovered; inline ▶ triggers, a click opens the source. */
export class TasksTreeProvider extends Disposable implements vscode.TreeDataProvider<TaskElement> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<TaskElement | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  private tasks = new Map<string, TaskInfo>();
  private errors: string[] = [];
  private loading: Promise<TaskInfo[]> | undefined;
  private watching = false;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly engine: EngineManager) {
    super();
    this._register(
      engine.onDidChangeState((s) => {
        if (s.kind !== 'running') return;
        void this.reload();
        this.watchTaskFiles();
      }),
    );
    this._register(toDisposable(() => clearTimeout(this.reloadTimer)));
  }

  /** Task files change → ask the engine again a little later (it rebuilds them itself). */
  private watchTaskFiles(): void {
    if (this.watching) return;
    this.watching = true;
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/trigger/**/*.{ts,tsx,mts,js,mjs}'));
    const later = () => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        if (this.engine.state.kind === 'running') void this.reload();
      }, 2000);
    };
    this._register(watcher.onDidCreate(later));
    this._register(watcher.onDidChange(later));
    this._register(watcher.onDidDelete(later));
  }

  list(): TaskInfo[] {
    return [...this.tasks.values()];
  }

  byNode(id: string): TaskInfo | undefined {
    for (const t of this.tasks.values()) if (taskNodeId(t.id) === id) return t;
    return undefined;
  }

  /** Asks the engine for its tasks again (starting the engine if needed). */
  reload(): Promise<TaskInfo[]> {
    this.loading ??= (async () => {
      try {
        const conn = await this.engine.ensureStarted();
        const res = await conn.client.listTasks();
        this.tasks = new Map(res.tasks.map((t) => [t.id, t]));
        this.errors = res.errors;
      } catch (err) {
        this.errors = [describeError(err)];
      } finally {
        this.loading = undefined;
        this._onDidChangeTreeData.fire(undefined);
      }
      return this.list();
    })();
    return this.loading;
  }

  sourceUri(task: TaskInfo): vscode.Uri | undefined {
    const ws = this.engine.workspaceFolder;
    const path = isAbsolute(task.filePath) ? task.filePath : ws ? join(ws.uri.fsPath, task.filePath) : undefined;
    return path ? vscode.Uri.file(path) : undefined;
  }

  getTreeItem(id: TaskElement): vscode.TreeItem {
    if (id.startsWith('error:')) {
      const msg = this.errors[Number(id.slice(6))] ?? '';
      const item = new vscode.TreeItem(msg.split('\n')[0] ?? msg);
      item.id = id;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.tooltip = msg;
      item.contextValue = 'taskError';
      return item;
    }
    const task = this.byNode(id);
    const item = new vscode.TreeItem(task?.id ?? id);
    item.id = id;
    item.contextValue = 'task';
    item.iconPath = new vscode.ThemeIcon('symbol-event');
    if (task) {
      item.description = task.filePath + (task.line ? `:${task.line}` : '');
      item.tooltip = new vscode.MarkdownString(`**${task.id}**\n\n${task.filePath}${task.exportName ? ` — export \`${task.exportName}\`` : ''}`);
      item.command = { command: 'runlight.openTaskSource', title: 'Open Source', arguments: [id] };
    }
    return item;
  }

  getChildren(id?: TaskElement): TaskElement[] {
    if (id !== undefined) return [];
    const tasks = [...this.tasks.values()].sort((a, b) => a.id.localeCompare(b.id)).map((t) => taskNodeId(t.id));
    return [...tasks, ...this.errors.map((_, i) => `error:${i}`)];
  }

  getParent(): undefined {
    return undefined;
  }
}
