import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

interface Cmd {
  command: string;
  title: string;
  category?: string;
}
interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}

describe('package.json contributions', () => {
  const commands: Cmd[] = pkg.contributes.commands;
  const ids = new Set(commands.map((c) => c.command));
  const commandDir = join(root, 'src/extension/commands');
  const sources = readdirSync(commandDir)
    .map((f) => readFileSync(join(commandDir, f), 'utf8'))
    .join('\n');

  it('declares exactly the commands that have a file under src/extension/commands', () => {
    const inCode = new Set([...sources.matchAll(/id: '(runlight\.[A-Za-z]+)'/g)].map((m) => m[1]!));
    assert.deepEqual([...ids].sort(), [...inCode].sort());
    for (const c of commands) assert.equal(c.category, 'Runlight', c.command);
  });

  it('offers the commands the issue names', () => {
    for (const title of [
      'Trigger Task…',
      'Open Run',
      'Cancel Run',
      'Replay Run',
      'Replay with Edited Payload…',
      'Pick Payload from History…',
      'Copy Run ID',
      'Copy Public Access Token',
      'Filter Runs…',
      'Clear Filter',
      'Refresh',
      'Start Engine',
      'Stop Engine',
      'Restart Engine',
      'Show Engine Log',
      'Complete Wait Token…',
    ]) {
      assert.ok(
        commands.some((c) => c.title === title),
        title,
      );
    }
  });

  it('hides tree-only commands from the palette and only references declared commands in menus', () => {
    const palette: MenuItem[] = pkg.contributes.menus.commandPalette;
    for (const id of ['runlight.showMore', 'runlight.openTaskSource']) assert.equal(palette.find((m) => m.command === id)?.when, 'false', id);
    for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, MenuItem[]>)) {
      for (const m of items) assert.ok(ids.has(m.command), `${menu}: ${m.command}`);
    }
    const item: MenuItem[] = pkg.contributes.menus['view/item/context'];
    const inlineCancel = item.find((m) => m.command === 'runlight.cancelRun' && m.group?.startsWith('inline'));
    assert.match(inlineCancel?.when ?? '', /viewItem =~ \/\\bcancelable\\b\//);
    // Complete Wait Token… on runs that wait on a token (tree/model.ts runContextValue sets the flag), and in the palette.
    const complete = item.filter((m) => m.command === 'runlight.completeWaitToken');
    assert.ok(complete.length >= 1);
    for (const m of complete) assert.match(m.when ?? '', /viewItem =~ \/\\btokenWaiting\\b\//);
    assert.equal(
      palette.find((m) => m.command === 'runlight.completeWaitToken'),
      undefined,
      'not hidden from the palette',
    );
  });

  it('sends a trigger form with Ctrl+Enter (Cmd+Enter) and an editor-title button, only in a form', () => {
    const kb = (pkg.contributes.keybindings as (MenuItem & { key: string; mac?: string })[]).find((k) => k.command === 'runlight.submitTriggerForm');
    assert.deepEqual([kb?.key, kb?.mac, kb?.when], ['ctrl+enter', 'cmd+enter', 'editorTextFocus && resourceScheme == runlight-form']);
    const title: MenuItem[] = pkg.contributes.menus['editor/title'];
    for (const id of ['runlight.submitTriggerForm', 'runlight.pickPayloadFromHistory']) {
      assert.equal(title.find((m) => m.command === id)?.when, 'resourceScheme == runlight-form', id);
      assert.equal((pkg.contributes.menus.commandPalette as MenuItem[]).find((m) => m.command === id)?.when, 'resourceScheme == runlight-form', id);
    }
    const replay = (pkg.contributes.menus['view/item/context'] as MenuItem[]).find((m) => m.command === 'runlight.replayWithEditedPayload');
    assert.match(replay?.when ?? '', /view == runlight\.runs && viewItem =~ \/\\brun\\b\//);
  });

  it('has the Runlight container with the Runs, Tasks and Schedules views, welcome content, and trust limits', () => {
    assert.equal(pkg.contributes.viewsContainers.activitybar[0].id, 'runlight');
    assert.deepEqual(
      pkg.contributes.views.runlight.map((v: { id: string }) => v.id),
      ['runlight.runs', 'runlight.tasks', 'runlight.schedules'],
    );
    assert.ok(pkg.contributes.viewsWelcome.some((w: { when: string }) => /!isWorkspaceTrusted/.test(w.when)));
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.match(pkg.engines.vscode, /^\^1\.100\./);
  });

  it('keeps the engine URL out of workspace settings: a cloned repository cannot point VS Code at its own engine', () => {
    const url = pkg.contributes.configuration.properties['runlight.engine.url'];
    assert.equal(url.scope, 'machine');
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('runlight.engine.url'));
  });

  it('has the marketplace fields: keywords, bugs, and runs where the workspace is', () => {
    assert.ok(pkg.keywords.includes('trigger.dev'));
    assert.match(pkg.bugs.url, /^https:\/\//);
    assert.deepEqual(pkg.extensionKind, ['workspace']);
  });

  it('documents every setting with a markdownDescription', () => {
    const props = pkg.contributes.configuration.properties as Record<string, { markdownDescription?: string; enum?: string[]; enumDescriptions?: string[] }>;
    for (const key of [
      'runlight.taskDirectories',
      'runlight.engine.port',
      'runlight.engine.autoStart',
      'runlight.runs.perGroup',
      'runlight.notifications.completion',
      'runlight.runs.timeWindow',
    ]) {
      assert.ok(props[key]?.markdownDescription, key);
      if (props[key]!.enum) assert.equal(props[key]!.enum!.length, props[key]!.enumDescriptions?.length, key);
    }
    assert.deepEqual(props['runlight.notifications.completion']!.enum, ['off', 'failures', 'all']);
  });
});

describe('packaged file list (vsce ls)', function () {
  this.timeout(120_000);

  it('ships only dist/, media/, README, CHANGELOG, LICENSE, package.json and the TypeScript plugin’s entry', async () => {
    const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/vsce'), ['ls'], { cwd: root, maxBuffer: 10 * 1024 * 1024 });
    const files = stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    assert.ok(files.includes('dist/extension.js'), 'host bundle');
    assert.ok(files.includes('dist/webview/main.js'), 'webview bundle');
    assert.ok(files.includes('media/codicons/codicon.ttf'), 'codicons');
    assert.ok(files.includes('dist/ts-plugin.js') && files.includes('dist/sdk-types/sdk/index.d.ts'), 'TypeScript plugin and SDK types');
    const plugin = ['node_modules/runlight-ts-plugin/index.js', 'node_modules/runlight-ts-plugin/package.json'];
    assert.deepEqual(files.filter((f) => f.startsWith('node_modules/')).sort(), plugin);
    for (const f of files.filter((x) => !plugin.includes(x))) {
      assert.match(f, /^(dist\/|media\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/, f);
      assert.doesNotMatch(f, /(^|\/)src\/|\.map$|(^|\/)\.env|(^|\/)test\/|\.test\.|node_modules\//, f);
    }
  });
});
