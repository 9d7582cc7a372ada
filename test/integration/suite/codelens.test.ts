// Lenses above task definitions: ▶ Trigger and the latest run, from the real CodeLens API of VS Code.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, isRunlight, runlight, type RunlightApi } from './helpers';

type Lens = { range: vscode.Range; command?: vscode.Command };

describe('code lenses above task definitions', function () {
  this.timeout(120_000);
  let api: RunlightApi;
  let uri: vscode.Uri;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
    await eventually('the chat task is listed', () => (api.tasks.list().includes('chat') ? true : undefined), 60_000);
    uri = vscode.Uri.file(join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'trigger', 'chat.ts'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  });

  after(async () => {
    await vscode.workspace.getConfiguration('runlight').update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
  });

  const lenses = async (): Promise<Lens[]> => (await vscode.commands.executeCommand<Lens[]>('vscode.executeCodeLensProvider', uri, 10)) ?? [];

  it('puts ▶ Trigger and Debug on the line of the task definition, then the latest run, which opens it', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const defLine = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('export const chat = task('));
    const trigger = (await lenses()).find((l) => l.command?.command === 'runlight.triggerTask');
    assert.ok(trigger, 'a Trigger lens');
    assert.deepEqual([trigger.range.start.line, trigger.command!.title, trigger.command!.arguments], [defLine, '$(play) Trigger', ['chat']]);
    const debug = (await lenses()).find((l) => l.command?.command === 'runlight.debugTask');
    assert.ok(debug, 'a Debug lens');
    assert.deepEqual([debug.range.start.line, debug.command!.title, debug.command!.arguments], [defLine, '$(debug-alt) Debug', ['chat']]);

    const runId = await vscode.commands.executeCommand<string | undefined>('runlight.triggerTask', {
      taskId: 'chat',
      payload: { prompt: 'lens' },
      open: false,
    });
    assert.ok(runId);
    const latest = await eventually(
      'a lens for the new run',
      async () => (await lenses()).find((l) => l.command?.command === 'runlight.openRun' && (l.command.arguments as string[])[0] === runId),
      30_000,
    );
    assert.equal(latest.range.start.line, defLine);
    assert.match(latest.command!.title, /^\$\([\w-]+\) (Queued|Starting|Executing|Completed) just now$/);
  });

  it('runlight.codeLens.enabled: false removes them', async () => {
    await vscode.workspace.getConfiguration('runlight').update('codeLens.enabled', false, vscode.ConfigurationTarget.Global);
    await eventually('no lenses', async () => ((await lenses()).length === 0 ? true : undefined), 10_000);
  });
});
