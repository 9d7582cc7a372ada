import type * as vscode from 'vscode';
import type { RunlightApi } from './api';
import { Runlight } from './runlight';

export type { RunlightApi } from './api';

/** Builds the one root object and hands it to VS Code to dispose; starts nothing costly. */
export function activate(context: vscode.ExtensionContext): RunlightApi {
  const t0 = performance.now();
  const runlight = new Runlight(context);
  context.subscriptions.push(runlight);
  runlight.log.info(`Runlight activated in ${(performance.now() - t0).toFixed(1)} ms (engine not started yet).`);
  return runlight.api;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
