import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { followRun, makeWorkspace } from '../support/engine';
import { FAULT_TASKS, spawnEngine, waitForTask, type ChildEngine } from './support';

/** Fault 3: a task blows its worker's heap limit (RUNLIGHT_WORKER_HEAP_MB=64): CRASHED, others unaffected. */
describe('faults: task worker runs out of memory', function () {
  this.timeout(90_000);
  let dir: string;
  let engine: ChildEngine | undefined;

  before(async () => {
    dir = await makeWorkspace(FAULT_TASKS);
    engine = await spawnEngine(dir, { workers: 3, env: { RUNLIGHT_WORKER_HEAP_MB: '64' } });
    await waitForTask(engine.client, 'hog');
  });
  after(async () => {
    await engine?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ends the run CRASHED with an out-of-memory error; the pool replaces the worker', async () => {
    const client = engine!.client;
    const started = Date.now();
    const hog = await client.trigger('hog', {});
    const chatty = await client.trigger('chatty', { n: 100, delayMs: 10 });
    const echoes = await Promise.all(Array.from({ length: 5 }, (_, i) => client.trigger('echo', { i })));
    const hogFinal = (await followRun(client, hog.id, 60_000)).at(-1)!;
    const crashMs = Date.now() - started;
    assert.equal(hogFinal.status, 'CRASHED');
    assert.match(hogFinal.error?.message ?? '', /out of memory/i);
    assert.match(hogFinal.error?.message ?? '', /64 MB/);
    const chattyFinal = (await followRun(client, chatty.id, 30_000)).at(-1)!;
    assert.equal(chattyFinal.status, 'COMPLETED');
    let chunks = 0;
    for await (const c of client.subscribeToStream(chatty.id, 'tokens', { signal: AbortSignal.timeout(10_000) })) {
      assert.deepEqual(c.value, { i: chunks++ });
    }
    assert.equal(chunks, 100);
    for (const e of echoes) assert.equal((await followRun(client, e.id)).at(-1)!.status, 'COMPLETED');
    // Three more runs after the crash: all three workers serve (the dead one was replaced).
    const after = await Promise.all(Array.from({ length: 3 }, (_, i) => client.trigger('echo', { after: i })));
    for (const e of after) assert.equal((await followRun(client, e.id)).at(-1)!.status, 'COMPLETED');
    console.log(
      `faults[worker-oom]: hog CRASHED after ${crashMs} ms ("${hogFinal.error?.name}: ${hogFinal.error?.message}"), other runs completed=${1 + echoes.length + after.length}/9`,
    );
  });
});
