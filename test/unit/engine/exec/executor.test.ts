import { TokenService } from '../../../../src/engine/runs/tokens';
// The executor with the real SQLite store and committer; its worker pool and the run service's writes stand in,
// as they are not the subject.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Committer } from '../../../../src/engine/committer';
import { Executor, type RunWrites } from '../../../../src/engine/exec/executor';
import type { WorkerHandle, WorkerPool } from '../../../../src/engine/exec/pool';
import { Hub } from '../../../../src/engine/realtime/hub';
import { newRunRecord } from '../../../../src/engine/runs/model';
import { openStore } from '../../../../src/engine/store/open';
import type { RunStore } from '../../../../src/engine/store/types';
import type { WorkerToEngine } from '../../../../src/protocol/ipc';

/** The run service's writes, which no task makes here. */
const noWrites: RunWrites = { updateMetadata: async () => ({}), appendChunks: async () => [] };

describe('executor', () => {
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

  /** An executor on the real store, over a stand-in pool and stand-in writes. */
  function executorOn(pool: object, writes: RunWrites): { executor: Executor; committer: Committer } {
    const committer = new Committer(store, new Hub());
    const executor = new Executor(
      store,
      committer,
      pool as unknown as WorkerPool,
      { ready: async () => undefined, bundleFor: () => join(dir, 'tasks.js') },
      writes,
      {
        node: 'node-a',
        apiUrl: 'http://127.0.0.1:9',
        tokens: new TokenService(store, { baseUrl: () => 'http://127.0.0.1:9', log: () => undefined }),
        accessToken: 'rl_dev_test',
        maxHeapMb: 64,
        leaseMs: 30_000,
        stopGraceMs: 100,
        shared: false,
        runEvents: new Hub(),
        maxParked: 100,
        log: () => undefined,
      },
    );
    return { executor, committer };
  }

  function createRun(id: string): Promise<unknown> {
    return store.write([
      { kind: 'create', record: newRunRecord({ id, taskIdentifier: 'noop', payload: null, maxAttempts: 1, number: 1, now: new Date().toISOString() }) },
    ]);
  }

  /**
   * A run claimed here whose worker is not free yet (another user of the pool, such as task indexing, took the
   * idle one) is cancelled before it gets one: it ends CANCELED and its attempt never reaches a worker.
   * The real SQLite store and committer; the pool stands in for worker processes, which are not the subject.
   */
  describe('cancel while an attempt is being started', () => {
    it('ends the run CANCELED and never sends the attempt to the worker it was waiting for', async () => {
      const sent: unknown[] = [];
      const released: unknown[] = [];
      const worker = { dead: false, send: (m: unknown) => sent.push(m), on: () => worker, once: () => worker, off: () => worker, kill: () => undefined };
      let handOver: ((w: WorkerHandle) => void) | undefined;
      const pool = {
        on: () => pool,
        off: () => pool,
        capacity: 1,
        tryAcquire: () => undefined,
        acquire: () => new Promise<WorkerHandle>((resolve) => (handOver = resolve)),
        release: (w: unknown) => released.push(w),
      };
      const { executor, committer } = executorOn(pool, noWrites);
      const id = 'run_cancelwhilestarting0';
      await createRun(id);

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

  /**
   * A task's write request (metadata, chunks, tags) is acknowledged with an error whenever handling it throws,
   * whatever was thrown: a worker must never take a write that was not made for one that was.
   * The real SQLite store and committer; the worker and the run service stand in, as they are not the subject.
   */
  describe('acks of worker requests', () => {
    /** Starts one run on a stand-in worker whose metadata writes throw `thrown`; returns the ack of one write. */
    async function ackOfThrowing(id: string, thrown: unknown): Promise<unknown> {
      const sent: { type: string; attemptId?: string; requestId?: string }[] = [];
      let onMessage: ((m: WorkerToEngine) => void) | undefined;
      const worker = {
        dead: false,
        send: (m: { type: string }) => sent.push(m),
        on: (event: string, fn: (m: WorkerToEngine) => void) => {
          if (event === 'message') onMessage = fn;
          return worker;
        },
        once: () => worker,
        off: () => worker,
        kill: () => undefined,
      };
      let idle = 1;
      const pool = {
        on: () => pool,
        off: () => pool,
        get capacity() {
          return idle;
        },
        tryAcquire: () => (idle-- > 0 ? (worker as unknown as WorkerHandle) : undefined),
        acquire: () => new Promise<WorkerHandle>(() => undefined),
        release: () => undefined,
      };
      const writes = {
        updateMetadata: async () => {
          throw thrown;
        },
        appendChunks: async () => [],
      };
      const { executor, committer } = executorOn(pool, writes);
      try {
        await createRun(id);
        executor.pump();
        for (let i = 0; i < 200 && !sent.some((m) => m.type === 'execute'); i++) await new Promise((r) => setTimeout(r, 5));
        const attemptId = sent.find((m) => m.type === 'execute')?.attemptId;
        assert.ok(attemptId && onMessage, 'the attempt reached the worker');
        onMessage({ type: 'metadata', requestId: 'q1', attemptId, target: 'self', operations: [{ type: 'set', key: 'a', value: 1 }] });
        for (let i = 0; i < 200 && !sent.some((m) => m.type === 'ack'); i++) await new Promise((r) => setTimeout(r, 5));
        return sent.find((m) => m.type === 'ack');
      } finally {
        await executor.close();
        await committer.close();
      }
    }

    it('fails the ack with the message of a thrown Error', async () => {
      assert.deepEqual(await ackOfThrowing('run_ackerror00000000001', new Error('store refused')), { type: 'ack', requestId: 'q1', error: 'store refused' });
    });

    it('fails the ack when a non-Error is thrown', async () => {
      assert.deepEqual(await ackOfThrowing('run_ackerror00000000002', 'disk on fire'), { type: 'ack', requestId: 'q1', error: 'disk on fire' });
      assert.deepEqual(await ackOfThrowing('run_ackerror00000000003', undefined), { type: 'ack', requestId: 'q1', error: 'undefined' });
      assert.deepEqual(await ackOfThrowing('run_ackerror00000000004', Object.create(null)), {
        type: 'ack',
        requestId: 'q1',
        error: 'a value that is not an Error was thrown',
      });
    });
  });
});
