import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { EngineClient, type StreamChunk } from '../../src/client';
import type { Run } from '../../src/protocol';
import { makeWorkspace } from '../support/engine';
import { FAULT_TASKS, SECRET, sleep, spawnEngine, waitForTask, type ChildEngine } from './support';

/**
 * Fault 1: the engine is SIGKILLed while runs stream chunks and update metadata. After a restart on the same
 * directory and port, every chunk a subscriber received is still served in the same order, runs that were
 * executing end CRASHED ("engine stopped") or are retried to COMPLETED, and subscribers resume by themselves.
 */
describe('faults: engine killed while runs stream', function () {
  this.timeout(120_000);
  const RUNS = 30;
  const WORKERS = 10;
  const N = 150;
  let dir: string;
  const engines: ChildEngine[] = [];

  before(async () => {
    dir = await makeWorkspace(FAULT_TASKS);
  });
  after(async () => {
    for (const e of engines) await e.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every received chunk, ends executing runs, and subscribers resume by themselves', async () => {
    const e1 = await spawnEngine(dir, { workers: WORKERS });
    engines.push(e1);
    await waitForTask(e1.client, 'chatty');

    let reconnects = 0;
    const client = new EngineClient({
      baseURL: e1.url,
      accessToken: SECRET,
      sse: { backoff: { initialMs: 100, maxMs: 1000 }, onError: () => reconnects++ },
    });
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push((await client.trigger('chatty', { n: N, delayMs: 20 })).id);

    const chunks = new Map<string, StreamChunk[]>(ids.map((id) => [id, []]));
    const runs = new Map<string, Run[]>(ids.map((id) => [id, []]));
    const signal = AbortSignal.timeout(100_000);
    const streamDone = ids.map(async (id) => {
      for await (const c of client.subscribeToStream(id, 'tokens', { signal })) chunks.get(id)!.push(c);
    });
    const runDone = ids.map(async (id) => {
      for await (const r of client.subscribeToRun(id, { signal })) runs.get(id)!.push(r);
    });

    // Let the first wave execute for a while: WORKERS runs EXECUTING, the rest QUEUED.
    const executing = () => ids.filter((id) => runs.get(id)!.at(-1)?.status === 'EXECUTING');
    const until = Date.now() + 30_000;
    while (executing().length < WORKERS || ids.filter((id) => chunks.get(id)!.length >= 20).length < WORKERS) {
      if (Date.now() > until) throw new Error(`runs did not start: ${executing().length} executing`);
      await sleep(50);
    }

    await e1.kill();
    const killedAt = Date.now();
    const beforeKill = new Map(ids.map((id) => [id, [...chunks.get(id)!]]));
    const metaBefore = new Map(ids.map((id) => [id, lastMetaI(runs.get(id)!)]));
    const wasExecuting = new Set(executing());
    const seenExecuting = new Set(ids.filter((id) => runs.get(id)!.some((r) => r.status === 'EXECUTING')));
    assert.ok(wasExecuting.size >= WORKERS, 'runs executing at the kill');

    await sleep(300);
    const e2 = await spawnEngine(dir, { workers: WORKERS, port: e1.port });
    engines.push(e2);
    const restartMs = Date.now() - killedAt;

    await Promise.all(runDone);
    await Promise.all(streamDone);

    let checked = 0;
    let lost = 0;
    let duplicates = 0;
    let crashed = 0;
    let retried = 0;
    for (const id of ids) {
      const final = runs.get(id)!.at(-1)!;
      if (seenExecuting.has(id)) {
        if (final.status === 'CRASHED') {
          crashed++;
          assert.equal(final.error?.name, 'EngineStopped', `${id}: crash error`);
          assert.match(final.error?.message ?? '', /engine\b.*\bstopped/i, `${id}: crash message`);
        } else {
          retried++;
          assert.equal(final.status, 'COMPLETED', `${id}: retried run`);
        }
      } else assert.equal(final.status, 'COMPLETED', `${id}: a run queued at the kill completes after restart (error: ${JSON.stringify(final.error)})`);

      // What the restarted engine serves from the start.
      const served: StreamChunk[] = [];
      for await (const c of e2.client.subscribeToStream(id, 'tokens', { signal: AbortSignal.timeout(20_000) })) served.push(c);
      const before = beforeKill.get(id)!;
      for (const c of before) {
        checked++;
        const s = served[c.idx];
        if (!s || JSON.stringify(s.value) !== JSON.stringify(c.value)) lost++;
      }
      // The subscriber that lived through the kill saw each chunk once, in order, and the same ones as served.
      const live = chunks.get(id)!;
      live.forEach((c, i) => {
        if (c.idx !== i) duplicates++;
      });
      assert.deepEqual(live, served, `${id}: the resumed subscriber saw exactly what is served`);
      // Chunk values of one attempt go 0,1,2,… in order.
      const firstAttempt = served.filter((_, i) => i < before.length);
      firstAttempt.forEach((c, i) => assert.deepEqual(c.value, { i }, `${id}: chunk ${i} in order`));

      // Metadata acknowledged before the kill is still there (never goes back).
      const metaAfter = (await e2.client.getMetadata(id)).i;
      const seen = metaBefore.get(id);
      if (seen !== undefined) assert.ok(typeof metaAfter === 'number' && metaAfter >= seen, `${id}: metadata.i ${String(metaAfter)} >= ${seen}`);
    }
    console.log(
      `faults[engine-kill]: runs=${RUNS}, executing at kill=${wasExecuting.size}, crashed=${crashed}, retried=${retried}, ` +
        `chunks checked=${checked}, lost=${lost}, duplicates=${duplicates}, reconnects=${reconnects}, restart=${restartMs} ms`,
    );
    assert.equal(lost, 0);
    assert.equal(duplicates, 0);
    assert.ok(checked > 0);
    assert.ok(reconnects > 0, 'subscribers reconnected');
  });
});

function lastMetaI(seen: Run[]): number | undefined {
  for (let i = seen.length - 1; i >= 0; i--) {
    const v = seen[i]!.metadata?.i;
    if (typeof v === 'number') return v;
  }
  return undefined;
}
