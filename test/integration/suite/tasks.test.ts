// The Tasks view follows runlight.taskDirectories: it watches the configured folders, so a task file saved in
// one of them shows up without a refresh.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, isRunlight, runlight, type RunlightApi } from './helpers';

describe('tasks view', function () {
  this.timeout(120_000);
  let api: RunlightApi;
  let folder: string;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
    folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });

  after(async function () {
    if (!isRunlight()) return;
    rmSync(join(folder, 'jobs'), { recursive: true, force: true });
    await vscode.workspace.getConfiguration('runlight').update('taskDirectories', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('runlight.restartEngine');
    await eventually(
      'the demo tasks again',
      () => (api.tasks.list().includes('chat') && !api.tasks.list().includes('watched-task') ? true : undefined),
      60_000,
    );
  });

  it('watches the folders of runlight.taskDirectories and lists a task saved there', async () => {
    assert.equal(api.tasks.watchedFiles(), '**/trigger/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}');
    await vscode.workspace.getConfiguration('runlight').update('taskDirectories', ['trigger', 'jobs/'], vscode.ConfigurationTarget.Workspace);
    await eventually('the watcher follows the setting', () =>
      api.tasks.watchedFiles() === '{trigger,jobs}/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}' ? true : undefined,
    );
    await vscode.commands.executeCommand('runlight.restartEngine');
    await api.engine.ready();
    await eventually('the demo tasks after the restart', () => (api.tasks.list().includes('chat') ? true : undefined), 60_000);
    mkdirSync(join(folder, 'jobs'), { recursive: true });
    writeFileSync(
      join(folder, 'jobs', 'watched.ts'),
      "import { task } from '@trigger.dev/sdk';\nexport const watched = task({ id: 'watched-task', run: async () => ({ ok: true }) });\n",
    );
    await eventually('the task saved in jobs/ is listed', () => (api.tasks.list().includes('watched-task') ? true : undefined), 30_000);
  });
});
