// First run: the walkthrough's steps, Create Example Task in a real workspace, and task files that type-check in
// the editor although the workspace does not have @trigger.dev/sdk installed (the TypeScript plugin Runlight
// contributes gives the imports Runlight's SDK types).
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, isRunlight, manifest, runReaches, runlight, type RunlightApi } from './helpers';

const folder = () => vscode.workspace.workspaceFolders![0]!.uri;

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

describe('first run', function () {
  this.timeout(400_000);
  let api: RunlightApi;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
  });

  it('contributes a walkthrough: open a folder → create an example task → trigger it → watch it', () => {
    const walkthroughs = (manifest().contributes as { walkthroughs?: { steps: { completionEvents: string[] }[] }[] }).walkthroughs ?? [];
    assert.deepEqual(
      walkthroughs[0]?.steps.map((s) => s.completionEvents),
      [['onContext:workspaceFolderCount > 0'], ['onCommand:runlight.createExampleTask'], ['onCommand:runlight.triggerTask'], ['onView:runlight.runs']],
    );
  });

  describe('Create Example Task', () => {
    let created: { taskId: string; file: string } | undefined;
    after(async () => {
      if (created) await vscode.workspace.fs.delete(vscode.Uri.file(created.file));
    });

    it('writes a task file into trigger/, opens it, and the engine runs it', async () => {
      created = await vscode.commands.executeCommand<{ taskId: string; file: string }>('runlight.createExampleTask');
      assert.ok(created, 'the command returned the new task');
      assert.equal(created.taskId, 'hello-world');
      assert.equal(created.file, join(folder().fsPath, 'trigger', 'example.ts'));
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, created.file, 'the new file is open');
      await eventually('the engine lists hello-world', () => (api.tasks.list().includes('hello-world') ? true : undefined), 300_000);
      const id = await vscode.commands.executeCommand<string>('runlight.triggerTask', { taskId: 'hello-world', payload: { name: 'Ada' }, open: false });
      const run = await runReaches(api, id, 'COMPLETED', 60_000);
      assert.deepEqual(run.output, { greeting: 'Hello, Ada! This greeting arrives one word at a time.' });
    });
  });

  describe('task files type-check without @trigger.dev/sdk installed', () => {
    const scratch = () => vscode.Uri.joinPath(folder(), 'scratch', 'types-check.ts');
    after(async () => {
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), 'scratch'), { recursive: true });
    });

    it('the SDK’s imports resolve to Runlight’s types: hover shows task(), the demo has no errors, a wrong type is one', async () => {
      const chat = vscode.Uri.joinPath(folder(), 'trigger', 'chat.ts');
      const doc = await vscode.workspace.openTextDocument(chat);
      await vscode.window.showTextDocument(doc);
      const at = doc.positionAt(doc.getText().indexOf('task({') + 1);
      // The hover carries the doc comment of Runlight's `task` (the official package's reads otherwise).
      await eventually(
        'TypeScript knows task() from Runlight’s SDK',
        async () => ((await hoverText(chat, at)).includes('Defines a task (Trigger.dev') ? true : undefined),
        240_000,
      );

      await vscode.workspace.fs.writeFile(
        scratch(),
        new TextEncoder().encode(`import { task } from '@trigger.dev/sdk';\nexport const t = task({ id: 42, run: async () => 1 });\n`),
      );
      await vscode.window.showTextDocument(scratch());
      const wrong = await eventually(
        'a type error on the task id',
        () => vscode.languages.getDiagnostics(scratch()).find((d) => /'number' is not assignable to type 'string'/.test(d.message)),
        60_000,
      );
      assert.equal(wrong.range.start.line, 1);
      const unresolved = vscode.languages.getDiagnostics(scratch()).filter((d) => /Cannot find module/.test(d.message));
      assert.deepEqual(unresolved, [], 'the import resolves');
      const chatErrors = vscode.languages.getDiagnostics(chat).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
      assert.deepEqual(
        chatErrors.map((d) => d.message),
        [],
      );
    });
  });
});
