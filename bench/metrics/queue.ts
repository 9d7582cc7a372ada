import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { z } from 'zod';
import { metric, rotate, type Metric } from '../lib/metric';
import { removeDir, tempDir, type EngineProc } from '../lib/procs';
import { nodeSend } from '../../src/client/rest';
import { idlePenalty } from '../lib/idle';
import { redisBinary, startRedis, type RedisProc } from '../lib/redis';
import { sseGet } from '../lib/sse-client';
import { childPids, machineBusyUs, median, nowMs, pct, procCpuUs, sleep, sortNum, withTimeout } from '../lib/stats';

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

/** The processor file of sandboxed BullMQ workers: a no-op job, as the engine's `noop` task. */
const SANDBOX_PROCESSOR = 'module.exports = async () => null;\n';

/**
 * A BullMQ queue, its QueueEvents and one Worker on `redis`: the Worker's processor runs in this process
 * (concurrency 1), or with `sandbox` (a .js processor file) in child processes BullMQ forks and keeps
 * (`useWorkerThreads: false`), `concurrency` of them, as the engine runs each task in a warm worker process.
 */
async function bullmqSide(redis: RedisProc, opts: { sandbox?: string; concurrency?: number } = {}) {
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const name = 'bench';
  const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const events = new QueueEvents(name, { connection });
  const worker = opts.sandbox
    ? new Worker(name, opts.sandbox, { connection, concurrency: opts.concurrency ?? 1, useWorkerThreads: false })
    : new Worker(name, async () => null, { connection, concurrency: opts.concurrency ?? 1 });
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

interface EngineBurst {
  rate: number;
  /** CPU µs per run of the engine process, and of its child processes (the task workers). */
  engineUs: number;
  workersUs: number;
  /** Busy CPU µs of the whole machine per run (engine, workers, and this process triggering and watching). */
  machineUs: number;
}

interface SandboxedBurst {
  rate: number;
  /** Busy CPU µs of the whole machine per job, and of the redis-server in it. */
  machineUs: number;
  redisUs: number;
}

export async function queueMetrics(e: EngineProc, rounds: number, log: (s: string) => void): Promise<Metric[]> {
  log(`4. no-op runs: ${BATCH} per batch; single-run latency, ${SINGLES} per round (engine, BullMQ in process, BullMQ sandboxed on an append-only file)`);
  const bin = redisBinary();
  const skip = (why: string): Metric[] => [
    metric({ name: 'no-op runs trigger→COMPLETED', value: null, unit: 'runs/s', baseline: null, ratio: null, goal: 'report', pass: null, note: why }),
    metric({ name: 'no-op run latency p50', value: null, unit: 'ms', baseline: null, ratio: null, goal: 'report', pass: null, note: why }),
  ];
  if (!bin) {
    log('  redis-server is not installed (apt-get install redis-server): skipping the BullMQ comparison');
    return skip('skipped: redis-server is not installed, no BullMQ figure');
  }
  const aofDir = await tempDir('redis-aof');
  const processor = join(aofDir, 'noop-processor.js');
  await writeFile(processor, SANDBOX_PROCESSOR);
  const redis = await startRedis(bin);
  const redisAof = await startRedis(bin, { aofDir });
  const bull = await bullmqSide(redis);
  // As many sandboxed processes as the engine has task workers.
  const sandboxed = await bullmqSide(redisAof, { sandbox: processor, concurrency: e.workers });
  const { completions, conn } = engineFeed(e);
  try {
    await conn.opened;
    const workersCpuUs = (): number => childPids(e.pid).reduce((sum, pid) => sum + procCpuUs(pid), 0);
    const engineThroughput = async (): Promise<EngineBurst> => {
      const items = Array.from({ length: BATCH }, () => ({ task: 'noop', payload: null }));
      const cpu0 = procCpuUs(e.pid);
      const w0 = workersCpuUs();
      const m0 = machineBusyUs();
      const t0 = nowMs();
      const res = await e.client.batchTrigger(items);
      const t1 = await completions.wait(
        res.runs.map((r) => r.id),
        120_000,
      );
      return {
        rate: BATCH / ((t1 - t0) / 1000),
        engineUs: (procCpuUs(e.pid) - cpu0) / BATCH,
        workersUs: (workersCpuUs() - w0) / BATCH,
        machineUs: (machineBusyUs() - m0) / BATCH,
      };
    };
    const sandboxedThroughput = async (): Promise<SandboxedBurst> => {
      const m0 = machineBusyUs();
      const r0 = procCpuUs(redisAof.pid);
      const rate = await sandboxed.throughput();
      return { rate, machineUs: (machineBusyUs() - m0) / BATCH, redisUs: (procCpuUs(redisAof.pid) - r0) / BATCH };
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
    const [tpE, tpB, tpS] = await rotate(rounds, [engineThroughput, () => bull.throughput(), sandboxedThroughput] as const, log, { warmup: true });
    const [latE, latB, latS] = await rotate(rounds, [engineLatency, () => bull.latency(), () => sandboxed.latency()] as const, log, { warmup: true });
    const et = median(tpE.map((r) => r.rate));
    const bt = median(tpB);
    const st = median(tpS.map((r) => r.rate));
    const p50 = (rs: number[][]): number => median(rs.map((xs) => pct(sortNum(xs), 0.5)));
    const [el, bl, sl] = [p50(latE), p50(latB), p50(latS)];
    const engineUs = median(tpE.map((r) => r.engineUs));
    const workersUs = median(tpE.map((r) => r.workersUs));
    const machineUs = median(tpE.map((r) => r.machineUs));
    const sandboxedUs = median(tpS.map((r) => r.machineUs));
    const redisUs = median(tpS.map((r) => r.redisUs));
    const idle = await idlePenalty(() => nodeSend({ method: 'GET', url: `${e.url}/healthz`, headers: {}, timeoutMs: 5000 }));
    const idleRedis = await idlePenalty(() => bull.roundTrip());
    const note =
      'baseline: BullMQ on loopback redis-server (no persistence), one Worker (concurrency 1) running jobs in process, completion seen via QueueEvents';
    const sandboxNote =
      `baseline: BullMQ with a sandboxed processor (each job in one of ${e.workers} child processes BullMQ keeps, as the engine's ${e.workers} task workers) ` +
      'on redis-server with appendonly yes / appendfsync everysec (durable as the WAL), completion seen via QueueEvents';
    return [
      metric({ name: 'no-op runs trigger→COMPLETED', value: et, unit: 'runs/s', baseline: bt, ratio: et / bt, goal: 'report', pass: null, note }),
      metric({ name: 'no-op run latency p50', value: el, unit: 'ms', baseline: bl, ratio: el / bl, goal: 'report', pass: null }),
      metric({
        name: 'no-op runs trigger→COMPLETED vs sandboxed BullMQ',
        value: et,
        unit: 'runs/s',
        baseline: st,
        ratio: et / st,
        goal: 'ratio ≥ 1.0',
        pass: et / st >= 1,
        note: sandboxNote,
      }),
      metric({
        name: 'no-op run latency p50 vs sandboxed BullMQ',
        value: el,
        unit: 'ms',
        baseline: sl,
        ratio: el / sl,
        goal: 'ratio ≤ 1.0',
        pass: el / sl <= 1,
      }),
      metric({
        name: 'engine CPU per no-op run',
        value: engineUs,
        unit: 'µs',
        baseline: null,
        ratio: null,
        goal: 'report',
        pass: null,
        note:
          `CPU time of the engine process (all its threads, /proc schedstat) over each ${BATCH}-run batch above, per run: trigger, store, ` +
          `claim, IPC, completion and the workspace feed to one subscriber; its task workers spent ${Math.round(workersUs)} µs per run more`,
      }),
      metric({
        name: 'machine CPU per no-op run vs sandboxed BullMQ job',
        value: machineUs,
        unit: 'µs',
        baseline: sandboxedUs,
        ratio: machineUs / sandboxedUs,
        goal: 'context',
        pass: null,
        note:
          `busy CPU of every core (/proc/stat) over each ${BATCH}-run batch, per run: with both sides using the 2 cores, runs/s follow the ` +
          `inverse of this ratio. Runlight: engine ${Math.round(engineUs)}, task workers ${Math.round(workersUs)}, the rest this bench's client; ` +
          `BullMQ: redis-server ${Math.round(redisUs)}, the rest its Node processes`,
      }),
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
    await sandboxed.close();
    await bull.close();
    await redisAof.stop();
    await redis.stop();
    await removeDir(aofDir);
  }
}
