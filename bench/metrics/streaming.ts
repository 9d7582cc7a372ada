import type { EventSourceMessage } from 'eventsource-parser';
import { alternate, metric, rotate, type Metric } from '../lib/metric';
import type { EngineProc, RawProc } from '../lib/procs';
import { sseGet } from '../lib/sse-client';
import { median, nowMs, pct, procCpuMs, sleep, sortNum, withTimeout } from '../lib/stats';
import { PAD } from '../lib/tasks';

interface Stamped {
  i: number;
  t: number;
}

function stamped(m: EventSourceMessage): Stamped | undefined {
  if (m.event !== undefined && m.event !== 'message') return undefined;
  const v = JSON.parse(m.data) as unknown;
  if (typeof v === 'object' && v !== null && typeof (v as Stamped).t === 'number' && typeof (v as Stamped).i === 'number') return v as Stamped;
  return undefined;
}

interface Receiver {
  lat: number[];
  count: number;
  firstT: number;
  lastRecv: number;
  /** Chunks received out of order or twice. */
  bad: number;
}

/** `clients` subscribers on `url`; each records recv − stamp per chunk. */
async function subscribe(url: string, headers: Record<string, string>, clients: number, keepLatencies: boolean) {
  const rx: Receiver[] = [];
  const conns = [];
  for (let c = 0; c < clients; c++) {
    const r: Receiver = { lat: [], count: 0, firstT: NaN, lastRecv: NaN, bad: 0 };
    let next = 0;
    rx.push(r);
    conns.push(
      sseGet(url, headers, (m) => {
        const s = stamped(m);
        if (!s) return;
        const now = nowMs();
        if (s.i !== next) r.bad++;
        next = s.i + 1;
        if (r.count === 0) r.firstT = s.t;
        r.count++;
        r.lastRecv = now;
        if (keepLatencies) r.lat.push(now - s.t);
      }),
    );
    // Open in small waves so the accept queue does not overflow.
    if (c % 100 === 99) await sleep(20);
  }
  return { rx, conns };
}

const engineStreamUrl = (e: EngineProc, runId: string) => `${e.url}/realtime/v1/streams/${runId}/b`;

// ---------- 1. latency at 1,000 chunks/s ----------

interface LatRound {
  p50: number;
  p99: number;
  n: number;
}

const LAT_N = 3000;
const LAT_RATE = 1000;

async function engineLatency(e: EngineProc): Promise<LatRound> {
  const { id } = await e.client.trigger('paced', { n: LAT_N, rate: LAT_RATE, pad: PAD, waitMs: 300 });
  const { rx, conns } = await subscribe(engineStreamUrl(e, id), e.auth, 1, true);
  await withTimeout(conns[0]!.ended, 60_000, 'engine latency stream');
  const lat = sortNum(rx[0]!.lat);
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99), n: lat.length };
}

/** A baseline server's paced stream (raw SSE, or the IPC relay: the same routes). */
async function rawLatency(raw: RawProc, what: string): Promise<LatRound> {
  const { rx, conns } = await subscribe(`${raw.url}/sse`, {}, 1, true);
  await conns[0]!.opened;
  await fetch(`${raw.url}/start?mode=paced&n=${LAT_N}&rate=${LAT_RATE}&pad=${PAD}`, { method: 'POST' }).then((r) => r.text());
  await withTimeout(conns[0]!.ended, 60_000, `${what} latency stream`);
  const lat = sortNum(rx[0]!.lat);
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99), n: lat.length };
}

export async function latencyMetrics(e: EngineProc, raw: RawProc, relay: RawProc, rounds: number, log: (s: string) => void): Promise<Metric[]> {
  log(`1. append → SSE latency, ${LAT_RATE} chunks/s, ${LAT_N} chunks per round (engine, raw SSE, IPC relay)`);
  const [a, b, c] = await rotate(rounds, [() => engineLatency(e), () => rawLatency(raw, 'raw'), () => rawLatency(relay, 'IPC relay')] as const, log, {
    warmup: true,
  });
  const delivered = [a, b, c].every((side) => side.every((r) => r.n === LAT_N));
  const p = (side: LatRound[], q: 'p50' | 'p99'): number => median(side.map((r) => r[q]));
  const [ep50, rp50, ip50] = [p(a, 'p50'), p(b, 'p50'), p(c, 'p50')];
  const [ep99, rp99, ip99] = [p(a, 'p99'), p(b, 'p99'), p(c, 'p99')];
  const note = delivered
    ? undefined
    : `chunks missing: engine ${a.map((r) => r.n).join('/')}, raw ${b.map((r) => r.n).join('/')}, relay ${c.map((r) => r.n).join('/')} of ${LAT_N}`;
  const relayNote =
    'baseline: IPC relay — a forked child stamps each chunk and sends it over IPC, the server writes it as SSE (no store): the floor of any design running tasks in their own process';
  return [
    metric({ name: 'stream latency p50 @1k/s', value: ep50, unit: 'ms', baseline: rp50, ratio: ep50 / rp50, goal: 'report', pass: null, note }),
    metric({ name: 'stream latency p99 @1k/s', value: ep99, unit: 'ms', baseline: rp99, ratio: ep99 / rp99, goal: 'report', pass: null, note }),
    metric({ name: 'stream latency p50 @1k/s vs IPC relay', value: ep50, unit: 'ms', baseline: ip50, ratio: ep50 / ip50, goal: 'report', pass: null }),
    metric({
      name: 'stream latency p99 @1k/s vs IPC relay',
      value: ep99,
      unit: 'ms',
      baseline: ip99,
      ratio: ep99 / ip99,
      goal: 'ratio ≤ 1.5',
      pass: delivered && ep99 / ip99 <= 1.5,
      note: note ? `${relayNote}; ${note}` : relayNote,
    }),
  ];
}

// ---------- 2. single-stream throughput ----------

const TP_N = 20_000;

async function engineThroughput(e: EngineProc): Promise<number> {
  const { id } = await e.client.trigger('burst', { n: TP_N, pad: PAD, waitMs: 300 });
  const { rx, conns } = await subscribe(engineStreamUrl(e, id), e.auth, 1, false);
  await withTimeout(conns[0]!.ended, 120_000, 'engine throughput stream');
  const r = rx[0]!;
  if (r.count !== TP_N || r.bad) throw new Error(`engine throughput: ${r.count}/${TP_N} delivered, ${r.bad} out of order`);
  return r.count / ((r.lastRecv - r.firstT) / 1000);
}

async function rawThroughput(raw: RawProc): Promise<number> {
  const { rx, conns } = await subscribe(`${raw.url}/sse`, {}, 1, false);
  await conns[0]!.opened;
  await fetch(`${raw.url}/start?mode=burst&n=${TP_N}&coalesce=64&pad=${PAD}`, { method: 'POST' }).then((r) => r.text());
  await withTimeout(conns[0]!.ended, 60_000, 'raw throughput stream');
  const r = rx[0]!;
  if (r.count !== TP_N || r.bad) throw new Error(`raw throughput: ${r.count}/${TP_N} delivered`);
  return r.count / ((r.lastRecv - r.firstT) / 1000);
}

export async function throughputMetrics(e: EngineProc, raw: RawProc, rounds: number, log: (s: string) => void): Promise<Metric[]> {
  log(`2. durable single-stream throughput, ${TP_N} chunks per round`);
  const { a, b } = await alternate(
    rounds,
    () => engineThroughput(e),
    () => rawThroughput(raw),
    log,
    { warmup: true },
  );
  const ev = median(a);
  const rv = median(b);
  return [
    metric({
      name: 'single-stream throughput',
      value: ev,
      unit: 'chunks/s',
      baseline: rv,
      ratio: ev / rv,
      goal: 'ratio ≥ 0.10',
      pass: ev / rv >= 0.1,
      note: 'baseline: raw SSE, 64 events per write',
    }),
  ];
}

// ---------- 3. fan-out ----------

const FAN_CLIENTS = 1000;
const FAN_RATE = 50;
const FAN_N = 250; // 5 s

interface FanRound {
  delivered: number;
  p99: number;
  cpuMs: number;
  lateOpen: boolean;
}

function fanStats(rx: Receiver[]): { delivered: number; p99: number } {
  const all: number[] = [];
  let got = 0;
  for (const r of rx) {
    got += r.count - r.bad;
    for (const x of r.lat) all.push(x);
  }
  return { delivered: got / (FAN_CLIENTS * FAN_N), p99: pct(sortNum(all), 0.99) };
}

async function engineFan(e: EngineProc): Promise<FanRound> {
  const waitMs = 4000;
  const t0 = nowMs();
  const { id } = await e.client.trigger('paced', { n: FAN_N, rate: FAN_RATE, pad: PAD, waitMs });
  const { rx, conns } = await subscribe(engineStreamUrl(e, id), e.auth, FAN_CLIENTS, true);
  await Promise.all(conns.map((c) => c.opened));
  const openedAt = nowMs();
  const cpu0 = procCpuMs(e.pid);
  await withTimeout(Promise.all(conns.map((c) => c.ended)), 60_000, 'engine fan-out');
  const cpu1 = procCpuMs(e.pid);
  const firstT = Math.min(...rx.map((r) => r.firstT).filter(Number.isFinite));
  return { ...fanStats(rx), cpuMs: cpu1 - cpu0, lateOpen: openedAt > firstT || openedAt - t0 > waitMs };
}

async function rawFan(raw: RawProc): Promise<FanRound> {
  const { rx, conns } = await subscribe(`${raw.url}/sse`, {}, FAN_CLIENTS, true);
  await Promise.all(conns.map((c) => c.opened));
  const cpu0 = procCpuMs(raw.pid);
  await fetch(`${raw.url}/start?mode=paced&n=${FAN_N}&rate=${FAN_RATE}&pad=${PAD}`, { method: 'POST' }).then((r) => r.text());
  await withTimeout(Promise.all(conns.map((c) => c.ended)), 60_000, 'raw fan-out');
  const cpu1 = procCpuMs(raw.pid);
  return { ...fanStats(rx), cpuMs: cpu1 - cpu0, lateOpen: false };
}

export async function fanoutMetrics(e: EngineProc, raw: RawProc, rounds: number, log: (s: string) => void): Promise<Metric[]> {
  log(`3. fan-out: ${FAN_CLIENTS} subscribers, ${FAN_RATE} chunks/s, ${FAN_N} chunks`);
  const { a, b } = await alternate(
    rounds,
    () => engineFan(e),
    () => rawFan(raw),
    log,
    { warmup: true },
  );
  const late = a.some((r) => r.lateOpen) ? 'some subscribers opened after the first chunk (latency includes catch-up)' : undefined;
  const ed = median(a.map((r) => r.delivered));
  const rd = median(b.map((r) => r.delivered));
  const ep = median(a.map((r) => r.p99));
  const rp = median(b.map((r) => r.p99));
  const ec = median(a.map((r) => r.cpuMs));
  const rc = median(b.map((r) => r.cpuMs));
  const window = (FAN_N / FAN_RATE) * 1000;
  return [
    metric({
      name: 'fan-out delivered',
      value: ed * 100,
      unit: '%',
      baseline: rd * 100,
      ratio: ed / rd,
      goal: '100%',
      pass: a.every((r) => r.delivered === 1),
      note: late,
    }),
    metric({ name: 'fan-out latency p99', value: ep, unit: 'ms', baseline: rp, ratio: ep / rp, goal: 'ratio ≤ 1.5', pass: ep / rp <= 1.5, note: late }),
    metric({
      name: 'fan-out server CPU',
      value: (ec / window) * 100,
      unit: '% core',
      baseline: (rc / window) * 100,
      ratio: ec / rc,
      goal: 'ratio ≤ 1.5',
      pass: ec / rc <= 1.5,
      note: `CPU ms over the ${window / 1000} s stream: engine ${Math.round(ec)}, raw ${Math.round(rc)}`,
    }),
  ];
}
