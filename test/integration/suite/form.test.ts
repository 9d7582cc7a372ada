// The trigger form in the real extension host: a schemaTask (zod 4) of the test workspace; VS Code's JSON language
// validates the form with the schema Runlight serves; a good form triggers a run with its payload and options.
import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, extensionId, isRunlight, runlight, runReaches, tasksIndexed, uniqueTag, type RunlightApi, type RunLike } from './helpers';

const TASK = 'form-typed';
const SOURCE = `import { schemaTask } from '@trigger.dev/sdk';
import { z } from 'zod';

export const formTyped = schemaTask({
  id: '${TASK}',
  schema: z.object({ prompt: z.string().min(1), count: z.number().int().positive() }),
  run: async (payload) => ({ echoed: payload.prompt, count: payload.count }),
});
`;

type Lens = { range: vscode.Range; command?: vscode.Command };
type FullRun = RunLike & { ttl?: string; idempotencyKey?: string; metadata?: Record<string, unknown> };

function activeForm(): vscode.TextEditor {
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor, 'an active editor');
  assert.equal(editor.document.uri.scheme, 'runlight-form');
  return editor;
}

async function setText(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

const lineOf = (doc: vscode.TextDocument, needle: string): number =>
  doc
    .getText()
    .split('\n')
    .findIndex((l) => l.includes(needle));

describe('trigger form', function () {
  this.timeout(180_000);
  let api: RunlightApi;
  let folder: string;
  let created: string[] = [];

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
    folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    // zod 4 for the workspace's task file: the extension's own copy
    // (the copy's node_modules may be a link to the demo's: it becomes a folder of links, so nothing is added to the demo)
    const modules = join(folder, 'node_modules');
    if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
      const shared = realpathSync(modules);
      rmSync(modules);
      mkdirSync(modules);
      for (const name of readdirSync(shared)) symlinkSync(join(shared, name), join(modules, name));
    }
    mkdirSync(modules, { recursive: true });
    const zod = join(modules, 'zod');
    if (!existsSync(zod)) {
      symlinkSync(realpathSync(join(vscode.extensions.getExtension(extensionId())!.extensionPath, 'node_modules', 'zod')), zod);
      created.push(zod);
    }
    const file = join(folder, 'trigger', 'form-typed.ts');
    writeFileSync(file, SOURCE);
    created.push(file);
    await tasksIndexed(api, [TASK]);
  });

  after(async () => {
    for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === 'runlight-form' && doc.isDirty) await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of created.reverse()) rmSync(f, { force: true });
    created = [];
  });

  it('opens from Trigger Task… with an example of the schema; the JSON language flags a bad payload and a bad option', async () => {
    const started = Date.now();
    assert.equal(await vscode.commands.executeCommand('runlight.triggerTask', TASK), undefined, 'no run yet');
    const editor = await eventually('the form is the active editor', () =>
      vscode.window.activeTextEditor?.document.uri.scheme === 'runlight-form' ? activeForm() : undefined,
    );
    console.log(`    trigger form of ${TASK} open in ${Date.now() - started} ms`);
    const doc = editor.document;
    assert.equal(doc.uri.path, `/${TASK}.json`);
    assert.equal(doc.languageId, 'json');
    assert.deepEqual(JSON.parse(doc.getText()), { $schema: `runlight-schema:/${TASK}.json`, payload: { prompt: '', count: 1 }, options: { tags: [] } });

    const schemaDoc = await vscode.workspace.openTextDocument(vscode.Uri.parse(`runlight-schema:/${TASK}.json`));
    const schema = JSON.parse(schemaDoc.getText()) as {
      properties: { payload: { properties: Record<string, { type: string }> }; options: { properties: object } };
    };
    console.log(`    schema served: ${schemaDoc.getText().length} characters`);
    assert.equal(schema.properties.payload.properties.prompt!.type, 'string');
    assert.ok('idempotencyKey' in schema.properties.options.properties);

    const lenses = (await vscode.commands.executeCommand<Lens[]>('vscode.executeCodeLensProvider', doc.uri, 10)) ?? [];
    const titles = lenses.map((l) => l.command?.title);
    assert.equal(titles[0], '$(play) Trigger');
    assert.equal(lenses[0]!.range.start.line, 0);
    const debuggable = (await vscode.commands.getCommands(true)).includes('runlight.debugTask');
    assert.equal(titles.includes('$(debug-alt) Debug'), debuggable, 'a Debug lens exactly when runlight.debugTask exists');

    await setText(
      doc,
      `{\n  "$schema": "runlight-schema:/${TASK}.json",\n  "payload": {\n    "prompt": 5,\n    "count": 2\n  },\n  "options": {\n    "maxAttempts": 0\n  }\n}\n`,
    );
    const diagnosticsStarted = Date.now();
    const diags = await eventually(
      'diagnostics on the payload and the option',
      () => {
        const d = vscode.languages.getDiagnostics(doc.uri);
        const lines = new Set(d.map((x) => x.range.start.line));
        return lines.has(lineOf(doc, '"prompt": 5')) && lines.has(lineOf(doc, '"maxAttempts": 0')) ? d : undefined;
      },
      30_000,
    );
    console.log(`    JSON diagnostics ${Date.now() - diagnosticsStarted} ms after the edit: ${diags.map((d) => d.message).join(' | ')}`);
  });

  it('does not send a form that fails its checks, and sends a good one with its payload and options', async () => {
    const doc = activeForm().document;
    const before = api.runs.all().length;
    assert.equal(await vscode.commands.executeCommand('runlight.submitTriggerForm', doc.uri), undefined, 'refused: bad payload');
    await setText(doc, '{\n  "payload": { "prompt": "x", "count": 2 },\n  "options": { "delay": "soon" }\n}\n');
    assert.equal(await vscode.commands.executeCommand('runlight.submitTriggerForm', doc.uri), undefined, 'refused: bad delay');
    await setText(doc, '{\n  "payload": { "prompt": "x", "count": 2,\n}\n');
    assert.equal(await vscode.commands.executeCommand('runlight.submitTriggerForm', doc.uri), undefined, 'refused: broken JSON');
    assert.equal(activeForm().selection.active.line, 2, 'the cursor goes to the broken line');
    assert.equal(api.runs.all().length, before, 'no run');

    const tag = uniqueTag('form');
    const key = uniqueTag('key');
    await setText(
      doc,
      JSON.stringify(
        {
          $schema: `runlight-schema:/${TASK}.json`,
          payload: { prompt: 'from the form', count: 3 },
          options: { tags: [tag], ttl: '10m', maxAttempts: 2, idempotencyKey: key, metadata: { from: 'form' } },
        },
        null,
        2,
      ),
    );
    const runId = await vscode.commands.executeCommand<string>('runlight.submitTriggerForm', doc.uri);
    assert.ok(runId, 'a run');
    const run = (await runReaches(api, runId, 'COMPLETED')) as FullRun;
    assert.deepEqual(run.tags, [tag]);
    assert.deepEqual(run.payload, { prompt: 'from the form', count: 3 });
    assert.deepEqual(run.output, { echoed: 'from the form', count: 3 });
    assert.ok(run.ttl, 'a ttl'); // the engine keeps it as seconds
    assert.equal(run.idempotencyKey, key);
    assert.equal(run.metadata?.from, 'form');
    assert.ok(api.openPanels().includes(runId), 'its panel opened');
    assert.equal(await vscode.commands.executeCommand('runlight.submitTriggerForm', doc.uri), runId, 'the same idempotency key finds the same run');
    assert.equal(doc.isDirty, false, 'saved when sent');

    // Replay with Edited Payload…: the form again, with the run's payload and tags, without its idempotency key
    await vscode.commands.executeCommand('runlight.replayWithEditedPayload', runId);
    const replay = JSON.parse(activeForm().document.getText()) as { payload: unknown; options: Record<string, unknown> };
    assert.deepEqual(replay.payload, { prompt: 'from the form', count: 3 });
    assert.deepEqual(replay.options, { tags: [tag], ttl: run.ttl });
  });

  it('starts a reopened form from the last payload sent', async () => {
    const doc = activeForm().document;
    await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('runlight.triggerTask', TASK);
    const reopened = await eventually('the form again', () =>
      vscode.window.activeTextEditor?.document.uri.scheme === 'runlight-form' ? activeForm() : undefined,
    );
    assert.deepEqual((JSON.parse(reopened.document.getText()) as { payload: unknown }).payload, { prompt: 'from the form', count: 3 });
  });

  it('puts an earlier payload back with Pick Payload from History…, keeping the options', async () => {
    const doc = activeForm().document;
    await setText(doc, JSON.stringify({ $schema: `runlight-schema:/${TASK}.json`, payload: { prompt: 'draft', count: 9 }, options: { ttl: '1h' } }));
    const lenses = (await vscode.commands.executeCommand<Lens[]>('vscode.executeCodeLensProvider', doc.uri, 10)) ?? [];
    assert.ok(
      lenses.some((l) => l.command?.command === 'runlight.pickPayloadFromHistory'),
      'a History… lens once the task has a history',
    );
    let answered = false;
    const picking = Promise.resolve(vscode.commands.executeCommand('runlight.pickPayloadFromHistory', doc.uri)).finally(() => (answered = true));
    // accept the pick's first item (the newest payload) once it shows
    await eventually('the history pick is answered', async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 100));
      return answered ? true : undefined;
    });
    assert.deepEqual(await picking, { prompt: 'from the form', count: 3 });
    assert.deepEqual(JSON.parse(doc.getText()), {
      $schema: `runlight-schema:/${TASK}.json`,
      payload: { prompt: 'from the form', count: 3 },
      options: { ttl: '1h' },
    });
  });
});
