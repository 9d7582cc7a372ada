import * as vscode from 'vscode';
import { errorMessage } from './args';
import type { CommandDef } from './command';
import { envFileText, sdkEnvironment } from '../engine/engineFiles';

/**
 * Copies the engine's URL and secret key as `.env` lines, after asking (the key gives full access to the engine).
 * `confirmed === true` skips the question (tests, keybindings that pass it). Returns the text copied.
 */
export const copySdkEnvironment: CommandDef = {
  id: 'runlight.copySdkEnvironment',
  async run(s, confirmed) {
    try {
      const conn = await s.engine.ensureStarted();
      if (confirmed !== true) {
        const answer = await vscode.window.showWarningMessage(
          "Copy the engine's secret key to the clipboard?",
          {
            modal: true,
            detail:
              "TRIGGER_SECRET_KEY gives full access to this workspace's engine: every run, payload and output. Paste it only into a local .env file that is not committed.",
          },
          'Copy',
        );
        if (answer !== 'Copy') return undefined;
      }
      const text = envFileText(sdkEnvironment(conn.url, conn.secretKey));
      await vscode.env.clipboard.writeText(text);
      void vscode.window.showInformationMessage('Runlight: copied TRIGGER_API_URL and TRIGGER_SECRET_KEY (and the RUNLIGHT_ pair), as .env lines.');
      return text;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not copy the SDK environment: ${errorMessage(err)}`);
      return undefined;
    }
  },
};
