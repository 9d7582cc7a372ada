// A platform build (dist/ with native esbuild vendored, as `npm run package:target` makes it): the engine builds task
// files with the native binary, and RUNLIGHT_ESBUILD=wasm goes back to esbuild-wasm. A real engine from a copy of
// dist/ runs a task either way.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../../../src/client';
import { followRun } from '../../../support/engine';
// @ts-expect-error: a build script in plain JavaScript
import { hostTarget, vendorNativeEsbuild } from '../../../../scripts/vendor-esbuild.mjs';
import { ROOT } from '../../worker/support';

const KEY = 'rl_dev_nativeesbuild0123456789';

async function engineOn(dist: string, ws: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; client: EngineClient; log: () => string }> {
  let log = '';
  const child = spawn(process.execPath, [join(dist, 'cli.js'), 'dev', '--dir', ws, '--port', '0'], {
    env: { ...process.env, ...env, RUNLIGHT_SECRET_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const until = Date.now() + 120_000;
  while (!/built 1 in \d+ ms/.test(log)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`no build line:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /listening on (http:\/\/\S+)/.exec(log)![1]!;
  return { child, client: new EngineClient({ baseURL: url, accessToken: KEY }), log: () => log };
}

describe('native esbuild in a platform build', function () {
  this.timeout(240_000);
  let tmp: string;
  let dist: string;

  before(function () {
    const target = hostTarget();
    if (!existsSync(join(ROOT, 'node_modules/@esbuild', target.replace('armhf', 'arm')))) this.skip();
    tmp = mkdtempSync(join(tmpdir(), 'runlight-native-'));
    dist = join(tmp, 'dist');
    cpSync(join(ROOT, 'dist'), dist, { recursive: true });
    const bin = vendorNativeEsbuild(ROOT, dist, target) as string;
    assert.ok(existsSync(bin));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const [which, env, label] of [
    ['native esbuild', {}, /built 1 in \d+ ms \(native esbuild\)/],
    ['esbuild-wasm with RUNLIGHT_ESBUILD=wasm', { RUNLIGHT_ESBUILD: 'wasm' }, /built 1 in \d+ ms \(esbuild-wasm\)/],
  ] as const) {
    it(`builds and runs a task with ${which}`, async () => {
      const ws = join(tmp, `ws-${env.RUNLIGHT_ESBUILD ?? 'native'}`);
      mkdirSync(join(ws, 'trigger'), { recursive: true });
      writeFileSync(
        join(ws, 'trigger', 'hello.ts'),
        `import { task } from '@trigger.dev/sdk';\nexport const hello = task({ id: 'hello', run: async (p: { name: string }) => ({ hi: p.name }) });\n`,
      );
      const e = await engineOn(dist, ws, env);
      try {
        assert.match(e.log(), label);
        const { id } = await e.client.trigger('hello', { name: 'native' });
        const last = (await followRun(e.client, id, 60_000)).at(-1);
        assert.equal(last?.status, 'COMPLETED');
        assert.deepEqual(last?.output, { hi: 'native' });
      } finally {
        e.child.kill('SIGTERM');
        await new Promise((r) => e.child.once('exit', r));
      }
    });
  }
});
