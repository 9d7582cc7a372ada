// The extension activates in a real VS Code and registers every command and view it declares.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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
    const wasActive = ext.isActive;
    const t0 = performance.now();
    await ext.activate();
    const ms = performance.now() - t0;
    assert.equal(ext.isActive, true);
    // `npm run bench` (group 10) reads how long activation took: as another extension waits for it, and VS Code's
    // own marks of it (the extension host keeps them on globalThis; millisecond resolution).
    const out = process.env.RUNLIGHT_ACTIVATION_OUT;
    if (out) {
      const host = globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } };
      const suffix = `/${extensionId()}`;
      const marks = (host.MonacoPerformanceMarks?.getMarks() ?? []).filter((m) => m.name.startsWith('code/extHost/') && m.name.endsWith(suffix));
      writeFileSync(
        out,
        JSON.stringify({ ms, wasActive, marks: Object.fromEntries(marks.map((m) => [m.name.slice('code/extHost/'.length, -suffix.length), m.startTime])) }),
      );
    }
  });

  it('registers every command of its manifest', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const declared = manifest().contributes?.commands?.map((c) => c.command) ?? [];
    assert.ok(declared.length > 0, 'the manifest declares commands');
    assert.deepEqual(
      declared.filter((c) => !all.has(c)),
      [],
    );
  });

  it('registers every view of its manifest (each can be focused)', async function () {
    const views = Object.values(manifest().contributes?.views ?? {}).flat();
    if (!isRunlight() && views.length === 0) this.skip();
    assert.deepEqual(views.map((v) => v.id).sort(), ['runlight.runs', 'runlight.schedules', 'runlight.tasks']);
    const all = new Set(await vscode.commands.getCommands(true));
    for (const v of views) {
      assert.ok(all.has(`${v.id}.focus`), `${v.id}.focus`);
      await vscode.commands.executeCommand(`${v.id}.focus`);
    }
    const containers = manifest().contributes?.viewsContainers?.activitybar ?? [];
    assert.deepEqual(
      containers.map((c) => c.id),
      ['runlight'],
    );
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
