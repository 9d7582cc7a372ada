import * as vscode from 'vscode';
import { errorMessage } from './args';
import type { CommandDef } from './command';

export const startEngine: CommandDef = {
  id: 'runlight.startEngine',
  async run(s) {
    try {
      const conn = await vscode.window.withProgress({ location: { viewId: 'runlight.runs' }, title: 'Starting the Runlight engine…' }, () =>
        s.engine.ensureStarted(),
      );
      return conn.url;
    } catch (err) {
      const pick = await vscode.window.showErrorMessage(`Runlight: ${errorMessage(err)}`, 'Show Engine Log');
      if (pick) s.log.show();
      return undefined;
    }
  },
};
