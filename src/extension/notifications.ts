import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { completionNotice } from './notify';
import type { RunStore } from './runs/runStore';
import type { Settings } from './settings';
import { statusLook } from '../shared/status';

/** Completion notifications per `runlight.notifications.completion`, with "Open Run" / "Don't show again". */
export class CompletionNotifications extends Disposable {
  constructor(store: RunStore, settings: Settings) {
    super();
    this._register(
      store.onDidChange((changes) => {
        const setting = settings.read().completionNotifications;
        for (const { run, previous } of changes) {
          const kind = completionNotice(setting, previous, run);
          if (!kind) continue;
          const text = `Runlight: ${run.taskIdentifier} ${statusLook(run.status).label.toLowerCase()}${run.error ? ` — ${run.error.message.slice(0, 200)}` : ''}`;
          const show = kind === 'failure' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
          void show(text, 'Open Run', "Don't Show Again").then(async (pick) => {
            if (pick === 'Open Run') await vscode.commands.executeCommand('runlight.openRun', run.id);
            else if (pick === "Don't Show Again") await settings.setNotifications('off');
          });
        }
      }),
    );
  }
}
