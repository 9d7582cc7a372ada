import * as vscode from 'vscode';
import { errorMessage } from './args';
import type { CommandDef } from './command';

export const restartEngine: CommandDef = {
  id: 'runlight.restartEngine',
  async run(s) {
    try {
      const conn = await vscode.window.withProgress({ location: { viewId: 'runlight.runs' }, title: 'Restarting the Runlight engine…' }, () =>
        s.engine.restart(),
      );
      return conn.url;
    } catch (err) {
      const pick = await vscode.window.showErrorMessage(`Runlight: ${errorMessage(err)}`, 'Show Engine Log');
      if (pick) s.log.show();
      return undefined;
    }
  },
};
