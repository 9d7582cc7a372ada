import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Committer } from '../../../src/engine/committer';
import { Executor } from '../../../src/engine/exec/executor';
import type { WorkerHandle, WorkerPool } from '../../../src/engine/exec/pool';
import { Hub } from '../../../src/engine/realtime/hub';
import { newRunRecord } from '../../../src/engine/runs/model';
import { openStore } from '../../../src/engine/store/open';
import type { RunStore } from '../../../src/engine/store/types';

/** The run service's writes, which no task makes here. */
const noWrites = { updateMetadata: async () => ({}), appendChunks: async () => [] };

/**
 * A run claimed here whose worker is not free yet (another user of the pool, such as task indexing, took the
 * idle one) is cancelled before it gets one: it ends CANCELED and its attempt never reaches a worker.
 * The real SQLite store and committer; the pool stands in for worker processes, which are not the subject.
 */
describe('executor: cancel while an attempt is being started', () => {
  let dir: string;
  let store: RunStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlight-executor-'));
    store = await openStore(undefined, dir);
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ends the run CANCELED and never sends the attempt to the worker it was waiting for', async () => {
    const sent: unknown[] = [];
    const released: unknown[] = [];
    const worker = { dead: false, send: (m: unknown) => sent.push(m), on: () => worker, once: () => worker, off: () => worker, kill: () => undefined };
    let handOver: ((w: WorkerHandle) => void) | undefined;
    const pool = {
      on: () => pool,
      off: () => pool,
      idleCount: 1,
      tryAcquire: () => undefined,
      acquire: () => new Promise<WorkerHandle>((resolve) => (handOver = resolve)),
      release: (w: unknown) => released.push(w),
    };
    const committer = new Committer(store, new Hub());
    const executor = new Executor(
      store,
      committer,
      pool as unknown as WorkerPool,
      { ready: async () => undefined, bundleFor: () => join(dir, 'tasks.js') },
      noWrites,
      {
        node: 'node-a',
        apiUrl: 'http://127.0.0.1:9',
        accessToken: 'rl_dev_test',
        maxHeapMb: 64,
        leaseMs: 30_000,
        shared: false,
        log: () => undefined,
      },
    );
    const id = 'run_cancelwhilestarting0';
    await store.write([
      { kind: 'create', record: newRunRecord({ id, taskIdentifier: 'noop', payload: null, maxAttempts: 1, number: 1, now: new Date().toISOString() }) },
    ]);

    executor.pump();
    for (let i = 0; i < 200 && !handOver; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(handOver, 'the claim waits for a worker');
    assert.equal((await store.getRun(id))?.run.status, 'EXECUTING');
    assert.equal(executor.isExecuting(id), true);

    assert.equal(await executor.cancel(id), true);
    assert.equal((await store.getRun(id))?.run.status, 'CANCELED');
    handOver(worker as unknown as WorkerHandle);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(sent, [], 'the attempt was not sent');
    assert.deepEqual(released, [worker], 'the worker went back to the pool');
    assert.equal(executor.isExecuting(id), false);
    await executor.close();
    await committer.close();
  });
});
