import { join } from 'node:path';
import * as vscode from 'vscode';
import type * as z from 'zod/mini';
import type { DebugRequest } from '../../protocol/api';
import type { Services } from '../services';
import { debugConfiguration } from './debugConfig';

/**
 * Triggers a debug run of `taskId` (its worker waits for a debugger on 127.0.0.1), attaches VS Code's JavaScript
 * debugger to it and opens the run's panel; returns the run id. Should the debugger not start, says how to attach
 * by hand (the run fails once the worker stops waiting).
 */
export async function startDebugRun(s: Services, taskId: string, request: z.input<typeof DebugRequest>): Promise<string> {
  const conn = await s.engine.ensureStarted();
  const { id, inspector } = await conn.client.debugTask(taskId, request);
  s.log.info(`Debugging ${taskId}: run ${id}, inspector ${inspector.url} (waits ${Math.round(inspector.waitMs / 1000)} s for a debugger)`);
  const folder = s.engine.workspaceFolder;
  const config = debugConfiguration(taskId, id, inspector, folder?.uri.fsPath ?? '', join(s.context.extensionPath, 'dist'));
  s.panels.open(id);
  const started = await vscode.debug.startDebugging(folder, config);
  if (!started) {
    void vscode.window.showWarningMessage(
      `Runlight: the debugger did not start. Attach a Node debugger to ${inspector.host}:${inspector.port} within ${Math.round(inspector.waitMs / 1000)} s, or run ${id} fails.`,
    );
  }
  return id;
}
