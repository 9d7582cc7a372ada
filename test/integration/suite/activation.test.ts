// The extension under test activates in a real VS Code and registers what its manifest declares.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionId, manifest } from './helpers';

describe('activation', () => {
  it('runs in a real VS Code extension host', () => {
    assert.ok(vscode.version.startsWith('1.'), vscode.version);
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
    const missing = declared.filter((c) => !all.has(c));
    assert.deepEqual(missing, []);
  });
});
