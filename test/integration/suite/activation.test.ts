// The extension activates in a real VS Code and registers every command and view it declares.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionId, isRunlight, manifest, runlight } from './helpers';

describe('activation', () => {
  it('runs in a real VS Code extension host with the workspace open', () => {
    assert.match(vscode.version, /^1\.\d+\./);
    assert.ok(vscode.workspace.workspaceFolders?.length, 'a workspace folder is open');
  });

  it('activates', async () => {
    const ext = vscode.extensions.getExtension(extensionId());
    assert.ok(ext, `extension ${extensionId()} is loaded`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers every command of its manifest', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const declared = manifest().contributes?.commands?.map((c) => c.command) ?? [];
    assert.ok(declared.length > 0, 'the manifest declares commands');
    assert.deepEqual(declared.filter((c) => !all.has(c)), []);
  });

  it('registers every view of its manifest (each can be focused)', async function () {
    const views = Object.values(manifest().contributes?.views ?? {}).flat();
    if (!isRunlight() && views.length === 0) this.skip();
    assert.deepEqual(views.map((v) => v.id).sort(), ['runlight.runs', 'runlight.tasks']);
    const all = new Set(await vscode.commands.getCommands(true));
    for (const v of views) {
      assert.ok(all.has(`${v.id}.focus`), `${v.id}.focus`);
      await vscode.commands.executeCommand(`${v.id}.focus`);
    }
    const containers = manifest().contributes?.viewsContainers?.activitybar ?? [];
    assert.deepEqual(containers.map((c) => c.id), ['runlight']);
  });

  it('returns its API from activate()', async function () {
    if (!isRunlight()) this.skip();
    const api = await runlight();
    assert.equal(typeof api.engine.url, 'function');
    assert.equal(typeof api.engine.ready, 'function');
    assert.ok(Array.isArray(api.runs.all()));
    assert.ok(Array.isArray(api.openPanels()));
  });
});
