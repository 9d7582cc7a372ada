import * as vscode from 'vscode';
import type { CommandDef } from './command';

/** In a trigger form: replaces its payload with one of the task's earlier payloads (the last ten triggered). */
export const pickPayloadFromHistory: CommandDef = {
  id: 'runlight.pickPayloadFromHistory',
  async run(s, arg) {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showWarningMessage('Runlight: open a trigger form first (Runlight: Trigger Task…).');
      return undefined;
    }
    return s.forms.pickFromHistory(uri);
  },
};
