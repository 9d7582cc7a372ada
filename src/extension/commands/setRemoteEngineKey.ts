import * as vscode from 'vscode';
import { errorMessage } from './args';
import type { CommandDef } from './command';

/**
 * Stores the secret key of the remote engine named by `runlight.engine.url` in SecretStorage, then attaches
 * to it. Takes the key as an argument (automation) or asks for it in a password box.
 */
export const setRemoteEngineKey: CommandDef = {
  id: 'runlight.setRemoteEngineKey',
  async run(s, arg?: unknown) {
    const url = s.settings.read().engineUrl;
    if (!url) {
      void vscode.window.showErrorMessage('Runlight: set "runlight.engine.url" to the remote engine first.');
      return undefined;
    }
    const key =
      typeof arg === 'string'
        ? arg
        : await vscode.window.showInputBox({
            title: `Secret key of the Runlight engine at ${url}`,
            prompt: 'Kept in VS Code SecretStorage, never in settings.',
            password: true,
            ignoreFocusOut: true,
            validateInput: (v) => (v.trim().length >= 8 ? undefined : 'Paste the engine secret key (RUNLIGHT_SECRET_KEY of the nodes).'),
          });
    if (!key) return undefined;
    await s.engine.setRemoteKey(url, key);
    try {
      return (await s.engine.restart()).url;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: ${errorMessage(err)}`);
      return undefined;
    }
  },
};
