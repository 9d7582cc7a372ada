import * as vscode from 'vscode';
import type { EngineManager, EngineState } from './engine/engineManager';
import { Disposable } from './lifecycle';
import { statusBarLook } from './statusBarModel';

/** "$(loading~spin) 2 running" / "Runlight idle" / an error state; a click focuses the Runs view. */
export class RunlightStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private executing = 0;

  constructor(private readonly engine: EngineManager) {
    super();
    // No explicit id: the item's DOM id is then the extension id (`runlight.runlight`), which tests select.
    this.item = this._register(vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'Runlight';
    this.item.command = 'runlight.runs.focus';
    this._register(engine.onDidChangeState((s) => this.render(s)));
    this.render(engine.state);
    this.item.show();
  }

  setExecuting(n: number): void {
    if (n === this.executing) return;
    this.executing = n;
    this.render(this.engine.state);
  }

  private render(state: EngineState): void {
    const look = statusBarLook(state, this.executing);
    this.item.text = look.text;
    this.item.tooltip = look.tooltip;
    this.item.backgroundColor = look.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
