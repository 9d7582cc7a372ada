import { relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../lifecycle';
import type { RunStore } from '../runs/runStore';
import type { Settings } from '../settings';
import type { TasksTreeProvider } from '../tree/tasksTree';
import { taskLenses } from './lensModel';

/** Run changes arrive by the thousand per second: the lenses follow them at most this often. */
const RUNS_REFRESH_MS = 1000;

/** The task files' languages: lenses go above each task definition (`runlight.codeLens.enabled` turns them off). */
export const TASK_FILE_SELECTOR: vscode.DocumentSelector = ['typescript', 'javascript', 'typescriptreact', 'javascriptreact'].map((language) => ({
  language,
  scheme: 'file',
}));

/** ▶ Trigger and the latest run (status and age; a click opens it) above each task definition. */
export class TaskCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly tasks: TasksTreeProvider,
    private readonly store: RunStore,
    private readonly settings: Settings,
  ) {
    super();
    this._register(tasks.onDidChangeTreeData(() => this.changed.fire()));
    this._register(settings.onDidChange(() => this.changed.fire()));
    this._register(
      store.onDidChange(() => {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.changed.fire();
        }, RUNS_REFRESH_MS);
      }),
    );
    this._register(toDisposable(() => clearTimeout(this.timer)));
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.settings.read().codeLens) return [];
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return [];
    const file = relative(folder.uri.fsPath, doc.uri.fsPath).split(sep).join('/');
    const lineText = (i: number): string | undefined => (i < doc.lineCount ? doc.lineAt(i).text : undefined);
    return taskLenses(file, this.tasks.list(), this.store.all(), Date.now(), lineText).map(
      (l) => new vscode.CodeLens(new vscode.Range(l.line, 0, l.line, 0), { title: l.title, command: l.command, arguments: l.args, tooltip: l.tooltip }),
    );
  }
}
