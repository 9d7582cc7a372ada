import assert from 'node:assert/strict';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../../support/engine';
import { retentionFromEnv } from '../../../../src/engine/runs/retention';
import { EngineApiError } from '../../../../src/client';

const TASK = `import { task, streams } from '@trigger.dev/sdk';
export const noisy = task({
  id: 'noisy',
  run: async (payload: { n: number }) => {
    await streams.append('out', 'chunk ' + payload.n);
    return { n: payload.n };
  },
});
`;

describe('engine: retention removes old finished runs and keeps the feeds going', function () {
  this.timeout(90_000);
  let t: TestEngine;
  let offset = 0;

  before(async () => {
    t = await startTestEngine(
      { 'trigger/noisy.ts': TASK },
      { workers: 1, retention: { maxAgeMs: 86_400_000, maxRuns: 0, now: () => Date.now() + offset, firstDelayMs: 100, everyMs: 150 } },
    );
    await waitFor(async () => ((await t.client.listTasks()).tasks.length ? true : undefined), 60_000, 'task indexed');
  });
  after(async () => t?.close());

  it('a day later the finished runs are gone with their streams; a feed opened before goes on with new runs', async () => {
    const old = [];
    for (let n = 0; n < 3; n++) {
      const h = await t.client.trigger('noisy', { n }, { tags: ['keep-watching'] });
      const seen = await followRun(t.client, h.id, 30_000);
      assert.equal(seen.at(-1)?.status, 'COMPLETED');
      old.push(h.id);
    }
    const feed = t.client.subscribeToRunsWithTag('keep-watching', { signal: AbortSignal.timeout(60_000) });
    const settled = await t.client.createWaitToken({});
    await t.client.completeWaitToken(settled.id, { ok: true });
    const waiting = await t.client.createWaitToken({});
    offset = 2 * 86_400_000;
    for (const id of old) {
      await waitFor(
        async () => {
          try {
            await t.client.retrieveRun(id);
            return undefined;
          } catch (e) {
            return e instanceof EngineApiError && e.status === 404 ? true : undefined;
          }
        },
        20_000,
        `${id} pruned`,
      );
    }
    await waitFor(
      async () => {
        try {
          await t.client.retrieveWaitToken(settled.id);
          return undefined;
        } catch (e) {
          return e instanceof EngineApiError && e.status === 404 ? true : undefined;
        }
      },
      20_000,
      `${settled.id} (completed two days ago) pruned`,
    );
    assert.equal((await t.client.retrieveWaitToken(waiting.id)).status, 'WAITING', 'a waiting token stays, whatever its age');
    offset = 0; // back to the clock runs are created on; a prune that read the moved clock is over by now
    await new Promise((r) => setTimeout(r, 400));
    const fresh = await t.client.trigger('noisy', { n: 9 }, { tags: ['keep-watching'] });
    for await (const run of feed) {
      if (run.id === fresh.id && run.status === 'COMPLETED') break;
    }
    const chunks = [];
    for await (const c of t.client.subscribeToStream(fresh.id, 'out', { signal: AbortSignal.timeout(10_000) })) chunks.push(c);
    assert.deepEqual(
      chunks.map((c) => c.value),
      ['chunk 9'],
    );
    assert.equal((await t.client.retrieveRun(fresh.id)).status, 'COMPLETED', 'a new run is not pruned');
  });
});

describe('retention settings', () => {
  it('reads days and a count from the environment, a week by default, and names a bad variable', () => {
    assert.deepEqual(retentionFromEnv({}), { maxAgeMs: 7 * 86_400_000, maxRuns: 0 });
    assert.deepEqual(retentionFromEnv({ RUNLIGHT_RETENTION_DAYS: '0', RUNLIGHT_RETENTION_RUNS: '500' }), { maxAgeMs: 0, maxRuns: 500 });
    assert.throws(() => retentionFromEnv({ RUNLIGHT_RETENTION_DAYS: 'a week' }), /RUNLIGHT_RETENTION_DAYS must be a number ≥ 0.*"a week"/);
    assert.throws(() => retentionFromEnv({ RUNLIGHT_RETENTION_RUNS: '-3' }), /RUNLIGHT_RETENTION_RUNS/);
  });
});
