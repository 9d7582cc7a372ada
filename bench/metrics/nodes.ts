import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { z } from 'zod';
import { EngineClient } from '../../src/client';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../../test/support/postgres';
import { metric, type Metric } from '../lib/metric';
import { startPgProxy } from '../lib/pg-proxy';
import { predict } from '../lib/scale-model';
import { CLI, SECRET, makeWorkspace, removeDir, stopChild, waitLine, type EngineProc } from '../lib/procs';
import { sseGet } from '../lib/sse-client';
import { median, nowMs, procCpuMs, sleep, withTimeout } from '../lib/stats';
import { BENCH_TASKS } from '../lib/tasks';

/**
 * 7. Scale-out: no-op runs trigger → COMPLETED with 1, 2 and 3 engine nodes (separate processes, 2 workers
 * each) on one Postgres. Runs are triggered round-robin (one batch per node, concurrently); completion is seen
 * on node 1's workspace feed, which also proves the cross-node fan-out. CPU time of the engine processes, their
 * workers and the Postgres backends of the database is sampled from /proc to show where the time goes. The nodes
 * reach Postgres through a relay that counts round trips (bench/lib/pg-proxy.ts); pg_stat_activity is sampled for
 * the time backends inside a transaction spend waiting on locks; from these, a model of N nodes on N machines.
 */

const BATCH = 600;
const WORKERS = 2;
/** The model's machines: as many cores as this one's bench assumes (2), and a LAN round trip. */
const MODEL = { cores: 2, rttMs: 0.5, nodes: [1, 2, 4, 8] };
const RunState = z.object({ id: z.string(), status: z.string() });

interface Node extends Pick<EngineProc, 'url' | 'pid' | 'client' | 'auth' | 'stop'> {
  dir: string;
}

async function startNode(store: string): Promise<Node> {
  const dir = await makeWorkspace({ 'trigger/bench.ts': BENCH_TASKS });
  const child = spawn(process.execPath, [CLI, 'dev', '--dir', dir, '--port', '0', '--store', store, '--workers', String(WORKERS)], {
    cwd: dir,
    env: { ...process.env, RUNLIGHT_SECRET_KEY: SECRET, RUNLIGHT_DATABASE_URL: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errText = '';
  child.stderr!.on('data', (b: Buffer) => (errText = (errText + b.toString()).slice(-4000)));
  const m = await waitLine(child, /listening on (http:\/\/\S+)/, 60_000, 'engine node').catch((e: Error) => {
    throw new Error(`${e.message}\n${errText}`);
  });
  const url = m[1]!;
  const client = new EngineClient({ baseURL: url, accessToken: SECRET, requestTimeoutMs: 120_000 });
  const until = Date.now() + 120_000;
  while (!(await client.listTasks()).tasks.some((t) => t.id === 'noop')) {
    if (Date.now() > until) throw new Error(`noop not indexed\n${errText}`);
    await sleep(50);
  }
  return {
    url,
    pid: child.pid!,
    dir,
    client,
    auth: { authorization: `Bearer ${SECRET}` },
    stop: async () => {
      await stopChild(child, 10_000);
      await removeDir(dir);
    },
  };
}

/** Every process: pid → [ppid, cmdline]. */
function processes(): Map<number, { ppid: number; cmd: string }> {
  const out = new Map<number, { ppid: number; cmd: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      out.set(Number(name), { ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU ms so far of the engine processes, their workers, and the Postgres backends serving `dbName`. */
function cpuSample(enginePids: readonly number[], dbName: string): { engines: number; workers: number; postgres: number } {
  const procs = processes();
  const cpu = (pid: number): number => {
    try {
      return procCpuMs(pid);
    } catch {
      return 0;
    }
  };
  let engines = 0;
  let workers = 0;
  let postgres = 0;
  for (const [pid, p] of procs) {
    if (enginePids.includes(pid)) engines += cpu(pid);
    else if (enginePids.includes(p.ppid)) workers += cpu(pid);
    else if (p.cmd.startsWith('postgres:') && p.cmd.includes(` ${dbName} `)) postgres += cpu(pid);
  }
  return { engines, workers, postgres };
}

/** Shares of the time backends spend inside a transaction (samples of pg_stat_activity). */
interface Waits {
  /** Waiting on a heavyweight lock (row, transaction, advisory, relation extension, …) or an LWLock. */
  lock: number;
  /** Waiting for their engine node (idle in transaction, or reading the next message). */
  node: number;
  running: number;
  /** Of `lock`: share per wait event (`Lock:transactionid`, `LWLock:WALWrite`, …). */
  byEvent: Record<string, number>;
  /** Backends inside a transaction per engine node, on average. */
  busyPerNode: number;
}

/**
 * Samples pg_stat_activity of `dbName` every 10 ms. Of the backends inside a transaction (an explicit one or a
 * single statement's), how often each waits on a lock, waits for its engine node, or runs.
 */
function startWaitSampler(adminUrl: string, dbName: string, nodes: number) {
  const counts = { lock: 0, node: 0, running: 0, samples: 0 };
  const byEvent = new Map<string, number>();
  const client = new Client({ connectionString: adminUrl });
  let on = true;
  const loop = (async () => {
    await client.connect();
    while (on) {
      const res = await client.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null }>(
        'SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND xact_start IS NOT NULL',
        [dbName],
      );
      counts.samples++;
      for (const r of res.rows) {
        if (r.wait_event_type === 'Lock' || r.wait_event_type === 'LWLock') {
          counts.lock++;
          const key = `${r.wait_event_type}:${r.wait_event ?? '?'}`;
          byEvent.set(key, (byEvent.get(key) ?? 0) + 1);
        } else if (r.state === 'idle in transaction' || r.wait_event_type === 'Client') counts.node++;
        else counts.running++;
      }
      await sleep(10);
    }
  })();
  return {
    async stop(): Promise<Waits> {
      on = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      const total = Math.max(1, counts.lock + counts.node + counts.running);
      return {
        lock: counts.lock / total,
        node: counts.node / total,
        running: counts.running / total,
        byEvent: Object.fromEntries([...byEvent].map(([k, v]) => [k, v / total])),
        busyPerNode: total / Math.max(1, counts.samples) / nodes,
      };
    },
  };
}

/** Transactions committed in `dbName` so far. */
async function commits(adminUrl: string, dbName: string): Promise<number> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    // The statistics snapshot is taken once per transaction: a fresh one per call.
    const res = await c.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1', [dbName]);
    return Number(res.rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

interface Round {
  runsPerS: number;
  waits: Waits;
  /** CPU ms per run. */
  engines: number;
  workers: number;
  postgres: number;
  /** Per run, all nodes together: requests the nodes waited on, transactions committed. */
  roundTrips: number;
  transactions: number;
}

async function measure(pg: TestPostgres, n: number, rounds: number, log: (s: string) => void): Promise<Round[]> {
  const url = await pg.createDatabase();
  const dbName = new URL(url).pathname.slice(1);
  const proxy = await startPgProxy(url);
  const nodes: Node[] = [];
  try {
    // One after another: the first node creates the schema.
    for (let i = 0; i < n; i++) nodes.push(await startNode(proxy.url));
    const done = new Set<string>();
    let waiting: { ids: Set<string>; resolve: () => void } | undefined;
    const feed = sseGet(`${nodes[0]!.url}/realtime/v1/runs`, nodes[0]!.auth, (m) => {
      if (m.event !== 'run') return;
      const r = RunState.parse(JSON.parse(m.data));
      if (r.status !== 'COMPLETED' || done.has(r.id)) return;
      done.add(r.id);
      if (waiting?.ids.delete(r.id) && waiting.ids.size === 0) waiting.resolve();
    });
    try {
      await feed.opened;
      const round = async (size: number): Promise<Round> => {
        const sampler = startWaitSampler(pg.url, dbName, n);
        const rt0 = proxy.counts().roundTrips;
        const tx0 = await commits(pg.url, dbName);
        const before = cpuSample(
          nodes.map((x) => x.pid),
          dbName,
        );
        const t0 = nowMs();
        const per = Math.ceil(size / n);
        const batches = await Promise.all(
          nodes.map((node, i) => {
            const count = Math.max(0, Math.min(per, size - i * per));
            return node.client.batchTrigger(Array.from({ length: count }, () => ({ task: 'noop', payload: null })));
          }),
        );
        const ids = new Set(batches.flatMap((b) => b.runs.map((r) => r.id)).filter((id) => !done.has(id)));
        if (ids.size) await withTimeout(new Promise<void>((resolve) => (waiting = { ids, resolve })), 300_000, `${ids.size} completions on ${n} node(s)`);
        const t1 = nowMs();
        const after = cpuSample(
          nodes.map((x) => x.pid),
          dbName,
        );
        const rt1 = proxy.counts().roundTrips;
        const tx1 = await commits(pg.url, dbName);
        return {
          runsPerS: size / ((t1 - t0) / 1000),
          waits: await sampler.stop(),
          engines: (after.engines - before.engines) / size,
          workers: (after.workers - before.workers) / size,
          postgres: (after.postgres - before.postgres) / size,
          roundTrips: (rt1 - rt0) / size,
          transactions: (tx1 - tx0) / size,
        };
      };
      await round(Math.min(100, BATCH)); // warm-up: workers, connection pools, JIT
      const out: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        const res = await round(BATCH);
        log(
          `  ${n} node(s), round ${r + 1}/${rounds}: ${Math.round(res.runsPerS)} runs/s; CPU ms/run engines ${res.engines.toFixed(2)}, workers ${res.workers.toFixed(2)}, ` +
            `postgres ${res.postgres.toFixed(2)}; ${res.roundTrips.toFixed(1)} round trips and ${res.transactions.toFixed(1)} transactions per run; ` +
            `in-transaction time: ${waitText(res.waits)}`,
        );
        out.push(res);
      }
      return out;
    } finally {
      feed.close();
    }
  } finally {
    for (const node of nodes) await node.stop();
    await proxy.stop();
  }
}

export async function nodesMetrics(rounds: number, log: (s: string) => void): Promise<Metric[]> {
  log(`7. scale-out: ${BATCH} no-op runs per round with 1, 2, 3 engine nodes (${WORKERS} workers each) on one Postgres`);
  const name = (n: number): string => `no-op runs trigger→COMPLETED, ${n} node${n > 1 ? 's' : ''} on Postgres`;
  if (!process.env['RUNLIGHT_TEST_DATABASE_URL'] && !findPostgresBin()) {
    log('  Postgres is not installed (apt-get install postgresql): skipping');
    return [1, 2, 3].map((n) =>
      metric({
        name: name(n),
        value: null,
        unit: 'runs/s',
        baseline: null,
        ratio: null,
        goal: 'report',
        pass: null,
        note: 'skipped: no Postgres server binaries',
      }),
    );
  }
  const pg = await startTestPostgres();
  try {
    const results: Round[][] = [];
    for (const n of [1, 2, 3]) results.push(await measure(pg, n, rounds, log));
    const med = (rs: Round[], pick: (r: Round) => number): number => median(rs.map(pick));
    const summary = results.map((rs, i) => ({
      nodes: i + 1,
      runsPerS: med(rs, (r) => r.runsPerS),
      engines: med(rs, (r) => r.engines),
      workers: med(rs, (r) => r.workers),
      postgres: med(rs, (r) => r.postgres),
      roundTrips: med(rs, (r) => r.roundTrips),
      transactions: med(rs, (r) => r.transactions),
      busyPerNode: med(rs, (r) => r.waits.busyPerNode),
      waits: medianWaits(rs.map((r) => r.waits)),
    }));
    const tp1 = summary[0]!.runsPerS;
    const fmt = (c: { engines: number; workers: number; postgres: number }): string =>
      `engines ${c.engines.toFixed(2)}, workers ${c.workers.toFixed(2)}, postgres ${c.postgres.toFixed(2)}`;
    const out: Metric[] = summary.map((m) =>
      metric({
        name: name(m.nodes),
        value: m.runsPerS,
        unit: 'runs/s',
        baseline: m.nodes === 1 ? null : tp1,
        ratio: m.nodes === 1 ? null : m.runsPerS / tp1,
        goal: m.nodes === 3 ? '≥ 1 node' : 'report',
        pass: m.nodes === 3 ? m.runsPerS >= tp1 : null,
        note:
          `CPU ms per run: ${fmt(m)}; ${m.roundTrips.toFixed(1)} round trips and ${m.transactions.toFixed(1)} transactions per run; ` +
          `in-transaction time: ${waitText(m.waits)}` +
          (m.nodes === 1 ? '; baseline of the 2- and 3-node rows' : '') +
          (m.nodes === 3 ? '; see README "Scaling out" for where the time goes' : ''),
      }),
    );
    for (const m of summary) {
      out.push(
        metric({
          name: `Postgres, ${m.nodes} node${m.nodes > 1 ? 's' : ''}: share of in-transaction time waiting on locks`,
          value: m.waits.lock * 100,
          unit: '%',
          baseline: null,
          ratio: null,
          goal: '≤ 5',
          pass: m.waits.lock <= 0.05,
          note: `sampled from pg_stat_activity every 10 ms; by wait event: ${eventsText(m.waits.byEvent)}`,
        }),
      );
    }
    for (const n of MODEL.nodes) {
      const p = predict(summary, n, MODEL);
      const l = p.limits;
      out.push(
        metric({
          name: `model: ${n} node${n > 1 ? 's' : ''} on ${n} machine${n > 1 ? 's' : ''}, Postgres on its own`,
          value: p.runsPerS,
          unit: 'runs/s',
          baseline: null,
          ratio: null,
          goal: 'report',
          pass: null,
          note:
            `limited by ${p.limit} (node CPU ${Math.round(l.nodeCpu)}, Postgres CPU ${Math.round(l.postgresCpu)}, network ${Math.round(l.network)} runs/s); ` +
            `${MODEL.cores} cores per machine, RTT ${MODEL.rttMs} ms; per-run CPU and round trips measured with 1–3 nodes, fitted linearly in N`,
        }),
      );
    }
    return out;
  } finally {
    await pg.stop();
  }
}

function medianWaits(ws: readonly Waits[]): Waits {
  const events = new Set(ws.flatMap((w) => Object.keys(w.byEvent)));
  return {
    lock: median(ws.map((w) => w.lock)),
    node: median(ws.map((w) => w.node)),
    running: median(ws.map((w) => w.running)),
    byEvent: Object.fromEntries([...events].map((e) => [e, median(ws.map((w) => w.byEvent[e] ?? 0))])),
    busyPerNode: median(ws.map((w) => w.busyPerNode)),
  };
}

function eventsText(byEvent: Record<string, number>): string {
  const top = Object.entries(byEvent)
    .filter(([, v]) => v >= 0.001)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  return top.length ? top.map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(', ') : 'none';
}

function waitText(w: Waits): string {
  const p = (x: number): string => `${Math.round(x * 100)}%`;
  return `${p(w.lock)} waiting on locks, ${p(w.node)} waiting for the node, ${p(w.running)} running`;
}
