import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeWorkspace } from '../support/engine';
import { CLI, FAULT_TASKS, SECRET, spawnEngine, type ChildEngine } from './support';

/** Fault 6: a second `runlight dev` on the same workspace refuses to start, naming the first engine's pid. */
describe('faults: two engines, one workspace', function () {
  this.timeout(60_000);
  let dir: string;
  let first: ChildEngine | undefined;

  before(async () => {
    dir = await makeWorkspace(FAULT_TASKS);
  });
  after(async () => {
    await first?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the second exits non-zero with a message naming the first pid; the first keeps serving', async () => {
    first = await spawnEngine(dir);
    const started = Date.now();
    const second = spawn(process.execPath, [CLI, 'dev', '--dir', dir, '--port', '0'], {
      env: { ...process.env, RUNLIGHT_SECRET_KEY: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    second.stdout.on('data', (d: Buffer) => (out += d.toString()));
    second.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => second.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
    clearTimeout(timer);
    console.log(`faults[two-engines]: second engine exit=${code} after ${Date.now() - started} ms: ${out.trim().split('\n')[0]}`);
    assert.notEqual(code, 0);
    assert.notEqual(code, null, 'the second engine exited by itself');
    assert.match(out, new RegExp(`pid ${first.pid}\\b`));
    assert.match(out, /already running/i);
    assert.doesNotMatch(out, /listening on/);
    // The first engine still serves and still owns engine.json.
    const info = JSON.parse(await readFile(join(dir, '.runlight/engine.json'), 'utf8')) as { pid: number };
    assert.equal(info.pid, first.pid);
    assert.ok(Array.isArray((await first.client.listTasks()).tasks));
  });
});
