import * as vscode from 'vscode';
import type { CommandDef } from './command';

/**
 * ▶ Trigger (lens, editor title, Ctrl+Enter) in a trigger form: reads the form and triggers its task; returns the run
 * id, or undefined when the form does not parse (the error names the line or field; the form stays as it is). A second
 * argument `'debug'` hands the run to `runlight.debugTask` instead.
 */
export const submitTriggerForm: CommandDef = {
  id: 'runlight.submitTriggerForm',
  async run(s, arg, mode) {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showWarningMessage('Runlight: open a trigger form first (Runlight: Trigger Task…).');
      return undefined;
    }
    return s.forms.submit(uri, mode === 'debug' ? 'debug' : 'trigger');
  },
};
