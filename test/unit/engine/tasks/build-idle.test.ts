// The build service stops when idle: esbuild-wasm's service process (a few hundred MB) ends once no build ran for
// RUNLIGHT_BUILD_IDLE_MS, and the next build starts it again and builds the file as it is now.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskBundler } from '../../../../src/engine/tasks';
import { waitFor } from '../../../support/engine';

/** This process's child processes whose command line mentions esbuild-wasm (tsx has a native esbuild of its own). */
function esbuildChildren(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('esbuild-wasm')) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('build service: stops when idle, starts again on the next build', function () {
  this.timeout(120_000);
  const saved = process.env.RUNLIGHT_BUILD_IDLE_MS;
  let dir: string;
  before(() => {
    process.env.RUNLIGHT_BUILD_IDLE_MS = '300';
    dir = mkdtempSync(join(tmpdir(), 'runlight-idle-'));
    mkdirSync(join(dir, 'trigger'));
  });
  after(() => {
    if (saved === undefined) delete process.env.RUNLIGHT_BUILD_IDLE_MS;
    else process.env.RUNLIGHT_BUILD_IDLE_MS = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('the esbuild process ends after the idle time; a later build of an edited file works', async function () {
    if (process.platform !== 'linux') this.skip();
    const file = join(dir, 'trigger', 'a.ts');
    writeFileSync(file, 'export const answer: number = 1;\n');
    const bundler = new TaskBundler(dir, join(dir, '.runlight', 'build'), false);
    try {
      const first = await bundler.build(file);
      assert.equal(first.error, undefined);
      assert.ok(esbuildChildren().length > 0, 'the build service runs after a build');
      await waitFor(() => esbuildChildren().length === 0, 20_000, 'the idle build service to stop');

      writeFileSync(file, 'export const answer: number = 42;\n');
      const second = await bundler.build(file);
      assert.equal(second.error, undefined);
      assert.match(readFileSync(second.bundlePath!, 'utf8'), /answer = 42/);
    } finally {
      await bundler.dispose();
    }
  });
});
