// One engine for the window, its integrated terminals and the user's own scripts: one workspace key, found by all.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { extensionId, isRunlight, runlight, type RunlightApi } from './helpers';

describe('one engine for the window, its terminals and scripts', function () {
  this.timeout(120_000);
  let api: RunlightApi;
  let ws: string;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });

  it('keeps the workspace key in .runlight/secret-key (0600), and .runlight/ out of git', () => {
    const file = join(ws, '.runlight', 'secret-key');
    assert.match(readFileSync(file, 'utf8').trim(), /^rl_dev_/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(join(ws, '.runlight', '.gitignore'), 'utf8'), /^\*$/m);
  });

  it('gives integrated terminals the engine URL and the workspace key', () => {
    const env = api.terminalEnvironment();
    const key = readFileSync(join(ws, '.runlight', 'secret-key'), 'utf8').trim();
    assert.deepEqual(env, { TRIGGER_API_URL: api.engine.url(), TRIGGER_SECRET_KEY: key, RUNLIGHT_API_URL: api.engine.url(), RUNLIGHT_SECRET_KEY: key });
  });

  it('runlight runs and a script on the official SDK reach the engine with only that environment, from any folder', () => {
    const ext = vscode.extensions.getExtension(extensionId())!;
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ELECTRON_RUN_AS_NODE: '1', ...api.terminalEnvironment() };
    const cli = spawnSync(process.execPath, [join(ext.extensionPath, 'dist', 'cli.js'), 'runs', '--json'], {
      cwd: tmpdir(),
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.ok(Array.isArray(JSON.parse(cli.stdout)), cli.stdout.slice(0, 200));

    const script = `
      const { tasks, runs } = require('@trigger.dev/sdk');
      (async () => {
        const h = await tasks.trigger('progress-task', { total: 1, stepMs: 1 });
        const run = await runs.poll(h.id, { pollIntervalMs: 100 });
        console.log(JSON.stringify({ id: h.id, status: run.status }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const sdk = spawnSync(process.execPath, ['-e', script], { cwd: ext.extensionPath, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(sdk.status, 0, sdk.stderr);
    const out = JSON.parse(sdk.stdout.trim().split('\n').at(-1)!) as { id: string; status: string };
    assert.match(out.id, /^run_/);
    assert.equal(out.status, 'COMPLETED');
  });

  it('Copy SDK Environment copies the pair as .env lines', async () => {
    const text = await vscode.commands.executeCommand<string>('runlight.copySdkEnvironment', true);
    assert.equal(await vscode.env.clipboard.readText(), text);
    assert.match(text, new RegExp(`^TRIGGER_API_URL=${api.engine.url()!.replace(/[.]/g, '\\.')}\\nTRIGGER_SECRET_KEY=rl_dev_`));
  });
});
