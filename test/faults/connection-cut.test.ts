import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { EngineClient } from '../../src/client';
import { makeWorkspace } from '../support/engine';
import { CuttingProxy } from './proxy';
import { FAULT_TASKS, SECRET, spawnEngine, waitForTask, type ChildEngine } from './support';

/**
 * Fault 2: a loopback proxy cuts every connection every 200 ms while a run streams CHUNKS chunks. The stream
 * subscriber behind the proxy gets each chunk exactly once, in order; the run feed gets each event once, by seq.
 */
describe('faults: connections cut every 200 ms', function () {
  this.timeout(120_000);
  const CHUNKS = Number(process.env.RUNLIGHT_FAULT_CHUNKS ?? 100_000);
  let dir: string;
  let engine: ChildEngine | undefined;
  let proxy: CuttingProxy | undefined;

  before(async () => {
    dir = await makeWorkspace(FAULT_TASKS);
    engine = await spawnEngine(dir, { workers: 2 });
    await waitForTask(engine.client, 'firehose');
  });
  after(async () => {
    await proxy?.close();
    await engine?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('delivers every chunk and run event exactly once, in order', async () => {
    proxy = new CuttingProxy(engine!.port);
    const proxyUrl = await proxy.listen();
    let reconnects = 0;
    const client = new EngineClient({
      baseURL: proxyUrl,
      accessToken: SECRET,
      sse: { backoff: { initialMs: 10, maxMs: 200 }, onOpen: (i) => (reconnects = Math.max(reconnects, i.attempt)) },
    });
    const { id } = await engine!.client.trigger('firehose', { n: CHUNKS });
    const started = Date.now();
    proxy.cutEvery(200);

    const signal = AbortSignal.timeout(90_000);
    let gaps = 0;
    let duplicates = 0;
    let next = 0;
    let streamReconnects = 0;
    const streamClient = new EngineClient({
      baseURL: proxyUrl,
      accessToken: SECRET,
      sse: { backoff: { initialMs: 10, maxMs: 200 }, onError: () => streamReconnects++ },
    });
    const streamDone = (async () => {
      for await (const c of streamClient.subscribeToStream(id, 'tokens', { signal })) {
        if (c.idx < next) duplicates++;
        else if (c.idx > next) gaps += c.idx - next;
        else if (c.value !== c.idx) gaps++;
        next = c.idx + 1;
      }
    })();
    const seqs: number[] = [];
    let finalStatus = '';
    const runDone = (async () => {
      for await (const r of client.subscribeToRun(id, { signal, lastEventId: '0', onEventId: (s) => seqs.push(Number(s)) })) finalStatus = r.status;
    })();
    // Metadata writes straight to the engine while it streams: each one is a run event the feed must carry.
    let acked = 0;
    let streaming = true;
    const writer = (async () => {
      while (streaming) {
        try {
          await engine!.client.updateMetadata(id, { operations: [{ type: 'increment', key: 'ext', value: 1 }] });
          acked++;
        } catch {
          break; // the run finished: metadata of a finished run is refused
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    await streamDone;
    streaming = false;
    await Promise.all([runDone, writer]);
    const elapsed = Date.now() - started;
    await proxy.close();

    // The run feed replayed directly (no proxy) from seq 0: the reference list of this run's events.
    const direct: number[] = [];
    for await (const _ of engine!.client.subscribeToRun(id, {
      lastEventId: '0',
      onEventId: (s) => direct.push(Number(s)),
      signal: AbortSignal.timeout(10_000),
    }));
    const runDuplicates = seqs.length - new Set(seqs).size;
    const runGaps = direct.filter((s) => !seqs.includes(s)).length;

    console.log(
      `faults[connection-cut]: chunks checked=${next}/${CHUNKS}, lost=${gaps}, duplicates=${duplicates}, ` +
        `stream reconnects=${streamReconnects}, run events=${seqs.length} (metadata writes acked=${acked}, lost=${runGaps}, duplicates=${runDuplicates}), ` +
        `run feed reconnects=${reconnects}, proxy cuts=${proxy.cuts}, connections=${proxy.connections}, ${elapsed} ms`,
    );
    assert.equal(finalStatus, 'COMPLETED');
    assert.ok(Number((await engine!.client.getMetadata(id)).ext ?? 0) >= acked, 'every acknowledged metadata write is kept');
    assert.equal(next, CHUNKS, 'every chunk arrived');
    assert.equal(gaps, 0);
    assert.equal(duplicates, 0);
    assert.ok(streamReconnects > 0, 'the stream connection was cut at least once');
    assert.deepEqual(seqs, direct, 'run feed: the same seqs, in order');
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!));
  });
});
