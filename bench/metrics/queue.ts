import { Queue, QueueEvents, Worker } from 'bullmq';
import { z } from 'zod';
import { alternate, metric, type Metric } from '../lib/metric';
import type { EngineProc } from '../lib/procs';
import { nodeSend } from '../../src/client/rest';
import { idlePenalty } from '../lib/idle';
import { redisBinary, startRedis, type RedisProc } from '../lib/redis';
import { sseGet } from '../lib/sse-client';
import { median, nowMs, pct, sleep, sortNum, withTimeout } from '../lib/stats';

const BATCH = 1000;
const SINGLES = 20;
const RunState = z.object({ id: z.string(), status: z.string() });

/** Waits for ids to reach a state announced by some feed: `seen(id)` is called by the feed. */
class Completions {
  private readonly done = new Map<string, number>();
  private waiting: { ids: Set<string>; resolve: (t: number) => void; last: number } | undefined;

  seen(id: string): void {
    if (this.done.has(id)) return;
    const t = nowMs();
    this.done.set(id, t);
    const w = this.waiting;
    if (w && w.ids.delete(id)) {
      w.last = Math.max(w.last, t);
      if (w.ids.size === 0) {
        this.waiting = undefined;
        w.resolve(w.last);
      }
    }
  }

  /** Resolves with the time the last of `ids` completed. */
  wait(ids: readonly string[], ms: number): Promise<number> {
    const left = new Set(ids.filter((id) => !this.done.has(id)));
    const last = Math.max(0, ...ids.map((id) => this.done.get(id) ?? 0));
    if (left.size === 0) return Promise.resolve(last);
    return withTimeout(new Promise<number>((resolve) => (this.waiting = { ids: left, resolve, last })), ms, `${left.size} of ${ids.length} completions`);
  }
}

/** The workspace run feed of the engine: every run change; records COMPLETED runs. */
function engineFeed(e: EngineProc) {
  const completions = new Completions();
  const conn = sseGet(`${e.url}/realtime/v1/runs`, e.auth, (m) => {
    if (m.event !== 'run') return;
    const r = RunState.parse(JSON.parse(m.data));
    if (r.status === 'COMPLETED') completions.seen(r.id);
  });
  return { completions, conn };
}

async function bullmqSide(redis: RedisProc) {
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const name = 'bench';
  const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const events = new QueueEvents(name, { connection });
  const worker = new Worker(name, async () => null, { connection, concurrency: 1 });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
  const completions = new Completions();
  events.on('completed', ({ jobId }) => completions.seen(jobId));
  let seq = 0;
  return {
    async throughput(): Promise<number> {
      const ids = Array.from({ length: BATCH }, () => `j${++seq}`);
      const t0 = nowMs();
      await queue.addBulk(ids.map((jobId) => ({ name: 'noop', data: {}, opts: { jobId } })));
      const t1 = await completions.wait(ids, 60_000);
      return BATCH / ((t1 - t0) / 1000);
    },
    async latency(): Promise<number[]> {
      const out: number[] = [];
      for (let i = 0; i < SINGLES; i++) {
        const jobId = `s${++seq}`;
        const t0 = nowMs();
        await queue.add('noop', {}, { jobId });
        out.push((await completions.wait([jobId], 10_000)) - t0);
        await sleep(20);
      }
      return out;
    },
    /** One Redis round trip (GET of a missing key) on the queue's connection. */
    async roundTrip(): Promise<void> {
      await (await queue.client).get('bench:ping');
    },
    async close(): Promise<void> {
      await worker.close();
      await events.close();
      await queue.close();
    },
  };
}

export async function queueMetrics(e: EngineProc, rounds: number, log: (s: string) => void): Promise<Metric[]> {
  log(`4. no-op runs: ${BATCH} per batch; single-run latency, ${SINGLES} per round`);
  const bin = redisBinary();
  const skip = (why: string): Metric[] => [
    metric({ name: 'no-op runs trigger→COMPLETED', value: null, unit: 'runs/s', baseline: null, ratio: null, goal: 'ratio ≥ 1.0', pass: null, note: why }),
    metric({ name: 'no-op run latency p50', value: null, unit: 'ms', baseline: null, ratio: null, goal: 'ratio ≤ 1.0', pass: null, note: why }),
  ];
  if (!bin) {
    log('  redis-server is not installed (apt-get install redis-server): skipping the BullMQ comparison');
    return skip('skipped: redis-server is not installed, no BullMQ figure');
  }
  const redis = await startRedis(bin);
  const bull = await bullmqSide(redis);
  const { completions, conn } = engineFeed(e);
  try {
    await conn.opened;
    const engineThroughput = async (): Promise<number> => {
      const items = Array.from({ length: BATCH }, () => ({ task: 'noop', payload: null }));
      const t0 = nowMs();
      const res = await e.client.batchTrigger(items);
      const t1 = await completions.wait(
        res.runs.map((r) => r.id),
        120_000,
      );
      return BATCH / ((t1 - t0) / 1000);
    };
    const engineLatency = async (): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < SINGLES; i++) {
        const t0 = nowMs();
        const { id } = await e.client.trigger('noop', null);
        out.push((await completions.wait([id], 10_000)) - t0);
        await sleep(20);
      }
      return out;
    };
    const tp = await alternate(rounds, engineThroughput, () => bull.throughput(), log, { warmup: true });
    const lat = await alternate(rounds, engineLatency, () => bull.latency(), log, { warmup: true });
    const et = median(tp.a);
    const bt = median(tp.b);
    const el = median(lat.a.map((xs) => pct(sortNum(xs), 0.5)));
    const bl = median(lat.b.map((xs) => pct(sortNum(xs), 0.5)));
    const idle = await idlePenalty(() => nodeSend({ method: 'GET', url: `${e.url}/healthz`, headers: {}, timeoutMs: 5000 }));
    const idleRedis = await idlePenalty(() => bull.roundTrip());
    const note = 'baseline: BullMQ on loopback redis-server (no persistence), one Worker (concurrency 1), completion seen via QueueEvents';
    return [
      metric({ name: 'no-op runs trigger→COMPLETED', value: et, unit: 'runs/s', baseline: bt, ratio: et / bt, goal: 'ratio ≥ 1.0', pass: et / bt >= 1, note }),
      metric({ name: 'no-op run latency p50', value: el, unit: 'ms', baseline: bl, ratio: el / bl, goal: 'ratio ≤ 1.0', pass: el / bl <= 1 }),
      metric({
        name: 'engine request 20 ms apart vs back-to-back',
        value: idle.spaced,
        unit: 'ms',
        baseline: idle.hot,
        ratio: idle.spaced / idle.hot,
        goal: 'context',
        pass: null,
        note: 'GET /healthz (no store access) p50: what idle time costs one hop on this machine; a run triggered every 20 ms pays it at each of its four hops',
      }),
      metric({
        name: 'Redis GET 20 ms apart vs back-to-back',
        value: idleRedis.spaced,
        unit: 'ms',
        baseline: idleRedis.hot,
        ratio: idleRedis.spaced / idleRedis.hot,
        goal: 'context',
        pass: null,
        note: "the same for the baseline: one round trip of BullMQ's Redis connection",
      }),
    ];
  } finally {
    conn.close();
    await bull.close();
    await redis.stop();
  }
}
