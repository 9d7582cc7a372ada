// Attaching to a remote engine (runlight.engine.url) with its key from SecretStorage, instead of the local one.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, isRunlight, runlight, type RunlightApi } from './helpers';

const KEY = 'rl_dev_remoteenginekey0123456789';

describe('remote engine', function () {
  this.timeout(120_000);
  let api: RunlightApi;
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  let remoteUrl: string;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    const ext = vscode.extensions.getExtension('runlight.runlight')!;
    dir = mkdtempSync(join(tmpdir(), 'runlight-remote-'));
    mkdirSync(join(dir, 'trigger'));
    writeFileSync(
      join(dir, 'trigger', 'remote.ts'),
      'import { task } from "@trigger.dev/sdk";\nexport const remoteOnly = task({ id: "remote-only", run: async () => ({ where: "remote" }) });\n',
    );
    // Another engine, as a node of a shared deployment would be: its own process, its own key.
    child = spawn(process.execPath, [join(ext.extensionPath, 'dist', 'cli.js'), 'dev', '--dir', dir, '--port', '0', '--workers', '1'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', RUNLIGHT_SECRET_KEY: KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    remoteUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`remote engine did not start: ${out}`)), 60_000);
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child!.once('exit', (code) => reject(new Error(`remote engine exited ${code}: ${out}`)));
    });
  });

  after(async () => {
    // Back to the workspace's local engine for the suites that follow.
    await vscode.workspace.getConfiguration('runlight').update('engine.url', undefined, vscode.ConfigurationTarget.Global);
    if (isRunlight()) await vscode.commands.executeCommand('runlight.restartEngine');
    child?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to attach without a stored key, then attaches with it and shows the remote runs', async () => {
    await vscode.workspace.getConfiguration('runlight').update('engine.url', remoteUrl, vscode.ConfigurationTarget.Global);
    // (Not restartEngine: on failure it waits for the user to answer its error message.)
    await vscode.commands.executeCommand('runlight.stopEngine');
    await assert.rejects(api.engine.ready(), /Set Remote Engine Key/);
    const url = await vscode.commands.executeCommand<string | undefined>('runlight.setRemoteEngineKey', KEY);
    assert.equal(url, remoteUrl);
    assert.equal(api.engine.url(), remoteUrl);
    const res = await fetch(`${remoteUrl}/api/v1/tasks/remote-only/trigger`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ payload: {} }),
    });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: string };
    const run = await eventually(
      'the remote run, completed, in the extension',
      () => {
        const r = api.runs.get(id);
        return r && r.status === 'COMPLETED' ? r : undefined;
      },
      60_000,
    );
    assert.deepEqual(run.output, { where: 'remote' });
  });
});
