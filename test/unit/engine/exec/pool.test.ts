// The worker pool with real forked workers (dist/worker.js): none before a run asks, at most `size`, stopped once
// idle for `idleMs`, a new one when asked again.
import assert from 'node:assert/strict';
import { WorkerPool, type WorkerHandle } from '../../../../src/engine/exec/pool';
import { WORKER_JS } from '../../worker/support';
import { waitFor } from '../../../support/engine';

describe('worker pool: workers on demand, stopped when idle (real forked workers)', function () {
  this.timeout(60_000);
  let pool: WorkerPool;
  const lines: string[] = [];

  beforeEach(() => {
    pool = new WorkerPool({ size: 2, script: WORKER_JS, env: { ...process.env }, maxHeapMb: 256, idleMs: 300, log: (l) => lines.push(l) });
  });
  afterEach(async () => pool.close());

  it('holds no process until asked; spawns at most size; stops idle workers; spawns again when asked', async () => {
    pool.start();
    assert.equal(pool.processCount, 0, 'an idle engine holds no worker');
    assert.equal(pool.capacity, 2);

    const got: WorkerHandle[] = [];
    const first = Promise.all([pool.acquire(), pool.acquire()]);
    const third = pool.acquire().then((w) => (got.push(w), w));
    const [a, b] = await first;
    assert.equal(pool.processCount, 2, 'three asks, two workers');
    assert.equal(pool.capacity, 0);
    assert.notEqual(a.child.pid, b.child.pid);
    assert.deepEqual(got, [], 'the third waits for one of them');

    pool.release(a);
    assert.equal(await third, a, 'the released worker goes to the waiting caller');
    pool.release(a);
    pool.release(b);
    assert.equal(pool.idleCount, 2);
    await waitFor(() => pool.processCount === 0, 10_000, 'idle workers to stop');
    await waitFor(() => a.dead && b.dead, 5000, 'both processes to end');

    const c = await pool.acquire();
    assert.equal(c.dead, false);
    assert.notEqual(c.child.pid, a.child.pid);
    assert.equal(pool.processCount, 1);
    pool.release(c);
  });

  it('prewarm starts workers ahead of demand, which stop when unused', async () => {
    pool.start();
    pool.prewarm(5);
    assert.equal(pool.processCount, 2, 'within size');
    await waitFor(() => pool.processCount === 0, 20_000, 'the unused workers to stop');
  });

  it('asks made before start() wait for it; a worker that dies while busy is not replaced unless asked', async () => {
    let got: WorkerHandle | undefined;
    const early = pool.acquire().then((w) => (got = w));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(pool.processCount, 0);
    assert.equal(got, undefined);
    pool.start();
    const w = await early;
    w.kill();
    await waitFor(() => w.dead, 5000, 'the worker to die');
    assert.equal(pool.processCount, 0, 'nobody asked: no replacement');
  });
});
