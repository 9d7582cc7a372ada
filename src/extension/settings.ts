import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { parseSettings, type RunlightSettings } from './settingsModel';

export type { RunlightSettings } from './settingsModel';

/** Reads `runlight.*` and announces changes that affect it. */
export class Settings extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<RunlightSettings>());
  readonly onDidChange = this._onDidChange.event;

  constructor() {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('runlight')) this._onDidChange.fire(this.read());
      }),
    );
  }

  read(): RunlightSettings {
    const c = vscode.workspace.getConfiguration('runlight');
    return parseSettings((key) => c.get(key));
  }

  async setNotifications(value: RunlightSettings['completionNotifications']): Promise<void> {
    await vscode.workspace.getConfiguration('runlight').update('notifications.completion', value, vscode.ConfigurationTarget.Global);
  }
}
