import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';
import type { TaskInfo } from '../../protocol/api';
import { Disposable, toDisposable } from '../lifecycle';
import type { EngineManager } from '../engine/engineManager';
import { describeError } from '../../shared/errors';
import { taskDirectories, taskFileGlob } from '../../shared/tasks';
import { CONFIG_FILE_GLOB } from '../../shared/config';
import type { Settings } from '../settings';

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
  private watcher: vscode.Disposable | undefined;
  private watchedGlob: string | undefined;
  /** The task folders the engine said it searches (the trigger.config's `dirs`); empty: every `trigger` folder. */
  private engineDirs: readonly string[] = [];
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly engine: EngineManager,
    private readonly settings: Settings,
  ) {
    super();
    this._register(
      engine.onDidChangeState((s) => {
        if (s.kind !== 'running') return;
        void this.reload();
        this.watchTaskFiles();
      }),
    );
    // A change of runlight.taskDirectories takes effect in the engine when it restarts; the watcher follows it now.
    this._register(settings.onDidChange(() => this.watcher && this.watchTaskFiles()));
    this._register(
      toDisposable(() => {
        clearTimeout(this.reloadTimer);
        this.watcher?.dispose();
      }),
    );
  }

  /**
   * Task files or the project's trigger.config change → ask the engine again a little later (it rebuilds them
   * itself). The task folders are the setting's, else the ones the engine reported (from the config's `dirs`).
   */
  private watchTaskFiles(): void {
    const listed = taskDirectories(this.settings.read().taskDirectories);
    const glob = taskFileGlob(listed.length > 0 ? listed : this.engineDirs);
    if (glob === this.watchedGlob) return;
    this.watcher?.dispose();
    this.watchedGlob = glob;
    const later = () => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        if (this.engine.state.kind === 'running') void this.reload();
      }, 2000);
    };
    const watchers = (vscode.workspace.workspaceFolders ?? []).flatMap((folder) =>
      [glob, CONFIG_FILE_GLOB].map((pattern) => {
        const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, pattern));
        return vscode.Disposable.from(w, w.onDidCreate(later), w.onDidChange(later), w.onDidDelete(later));
      }),
    );
    this.watcher = vscode.Disposable.from(...watchers);
  }

  /** The glob the Tasks view watches task files with (undefined before the engine first ran). */
  get watchedTaskFiles(): string | undefined {
    return this.watchedGlob;
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
        this.engineDirs = taskDirectories(res.taskDirs ?? []);
        if (this.watcher) this.watchTaskFiles();
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
