import * as vscode from 'vscode';
import { taskDirectories } from '../../shared/tasks';
import { exampleTaskDir, exampleTaskSource, firstFree } from '../firstRun/exampleTask';
import { errorMessage } from './args';
import type { CommandDef } from './command';
import type { Services } from '../services';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits (bounded) until the engine lists the task, so that "Trigger" right after finds it. The Tasks view reloads
 * with it. A fresh engine answers once its first build is done, which can take a while for a large workspace; the
 * new file is built right after that.
 */
async function discovered(s: Services, taskId: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
    if ((await s.tasksTree.reload()).some((t) => t.id === taskId)) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, wait));
  }
}

/**
 * Writes an example task file into the workspace's task folder (a new name when one is taken), opens it, and offers
 * to trigger it once the engine has picked it up. Returns the new task's id and file (tests, the walkthrough).
 */
export const createExampleTask: CommandDef = {
  id: 'runlight.createExampleTask',
  async run(s) {
    const folder = s.engine.workspaceFolder;
    if (!folder) {
      const open = await vscode.window.showInformationMessage('Runlight: open a folder first; the example task goes into it.', 'Open Folder…');
      if (open) await vscode.commands.executeCommand('vscode.openFolder');
      return undefined;
    }
    try {
      const dir = exampleTaskDir(taskDirectories(s.settings.read().taskDirectories), await exists(vscode.Uri.joinPath(folder.uri, 'src')));
      const known = new Set(s.tasksTree.list().map((t) => t.id));
      const taskId = firstFree('hello-world', (id) => known.has(id));
      const names = new Set<string>();
      for (const [name] of await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(folder.uri, dir)).then(undefined, () => [])) names.add(name);
      const file = vscode.Uri.joinPath(folder.uri, dir, `${firstFree('example', (n) => names.has(`${n}.ts`))}.ts`);
      await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(exampleTaskSource(taskId)));
      await vscode.window.showTextDocument(file);
      s.log.info(`created the example task ${taskId} in ${vscode.workspace.asRelativePath(file)}`);
      void discovered(s, taskId, 5 * 60_000).then(async (found) => {
        const message = found
          ? `Runlight: "${taskId}" is ready. Trigger it and watch it run.`
          : `Runlight: the engine has not listed "${taskId}" yet; see the Tasks view.`;
        const trigger = await vscode.window.showInformationMessage(message, ...(found ? ['Trigger'] : []));
        if (trigger) await vscode.commands.executeCommand('runlight.triggerTask', taskId);
      });
      return { taskId, file: file.fsPath };
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not create the example task: ${errorMessage(err)}`);
      return undefined;
    }
  },
};
