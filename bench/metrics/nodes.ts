import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { z } from 'zod';
import { EngineClient } from '../../src/client';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../../test/support/postgres';
import { metric, type Metric } from '../lib/metric';
import { CLI, SECRET, makeWorkspace, removeDir, stopChild, waitLine, type EngineProc } from '../lib/procs';
import { sseGet } from '../lib/sse-client';
import { median, nowMs, procCpuMs, sleep, withTimeout } from '../lib/stats';
import { BENCH_TASKS } from '../lib/tasks';

/**
 * 7. Scale-out: no-op runs trigger → COMPLETED with 1, 2 and 3 engine nodes (separate processes, 2 workers
 * each) on one Postgres. Runs are triggered round-robin (one batch per node, concurrently); completion is seen
 * on node 1's workspace feed, which also proves the cross-node fan-out. CPU time of the engine processes, their
 * workers and the Postgres backends of the database is sampled from /proc to show where the time goes.
 */

const BATCH = 600;
const WORKERS = 2;
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

/**
 * Samples pg_stat_activity of `dbName` every 10 ms: of the backends inside a transaction, how often each one
 * waits for the events advisory lock, waits for its engine node to send the next statement, or runs.
 */
function startWaitSampler(adminUrl: string, dbName: string) {
  const counts = { lock: 0, node: 0, running: 0 };
  const client = new Client({ connectionString: adminUrl });
  let on = true;
  const loop = (async () => {
    await client.connect();
    while (on) {
      const res = await client.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null }>(
        'SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [dbName],
      );
      for (const r of res.rows) {
        if (r.wait_event_type === 'Lock' && r.wait_event === 'advisory') counts.lock++;
        else if (r.state === 'idle in transaction') counts.node++;
        else if (r.state === 'active' && r.wait_event_type !== 'Client') counts.running++;
      }
      await sleep(10);
    }
  })();
  return {
    counts,
    async stop(): Promise<void> {
      on = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

interface Round {
  runsPerS: number;
  /** Shares of in-transaction backend samples: waiting for the events lock, for the node, running. */
  waits: { lock: number; node: number; running: number };
  /** CPU ms per run. */
  engines: number;
  workers: number;
  postgres: number;
}

async function measure(pg: TestPostgres, n: number, rounds: number, log: (s: string) => void): Promise<Round[]> {
  const url = await pg.createDatabase();
  const dbName = new URL(url).pathname.slice(1);
  const nodes: Node[] = [];
  try {
    // One after another: the first node creates the schema.
    for (let i = 0; i < n; i++) nodes.push(await startNode(url));
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
        const sampler = startWaitSampler(pg.url, dbName);
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
        await sampler.stop();
        const c = sampler.counts;
        const total = Math.max(1, c.lock + c.node + c.running);
        return {
          runsPerS: size / ((t1 - t0) / 1000),
          waits: { lock: c.lock / total, node: c.node / total, running: c.running / total },
          engines: (after.engines - before.engines) / size,
          workers: (after.workers - before.workers) / size,
          postgres: (after.postgres - before.postgres) / size,
        };
      };
      await round(Math.min(100, BATCH)); // warm-up: workers, connection pools, JIT
      const out: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        const res = await round(BATCH);
        log(
          `  ${n} node(s), round ${r + 1}/${rounds}: ${Math.round(res.runsPerS)} runs/s; CPU ms/run engines ${res.engines.toFixed(2)}, workers ${res.workers.toFixed(2)}, ` +
            `postgres ${res.postgres.toFixed(2)}; in-transaction time: ${waitText(res.waits)}`,
        );
        out.push(res);
      }
      return out;
    } finally {
      feed.close();
    }
  } finally {
    for (const node of nodes) await node.stop();
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
    const tp = results.map((rs) => median(rs.map((r) => r.runsPerS)));
    const cpu = results.map((rs) => ({
      engines: median(rs.map((r) => r.engines)),
      workers: median(rs.map((r) => r.workers)),
      postgres: median(rs.map((r) => r.postgres)),
    }));
    const waits = results.map((rs) => ({
      lock: median(rs.map((r) => r.waits.lock)),
      node: median(rs.map((r) => r.waits.node)),
      running: median(rs.map((r) => r.waits.running)),
    }));
    const fmt = (c: { engines: number; workers: number; postgres: number }): string =>
      `engines ${c.engines.toFixed(2)}, workers ${c.workers.toFixed(2)}, postgres ${c.postgres.toFixed(2)}`;
    return [1, 2, 3].map((n, i) =>
      metric({
        name: name(n),
        value: tp[i]!,
        unit: 'runs/s',
        baseline: n === 1 ? null : tp[0]!,
        ratio: n === 1 ? null : tp[i]! / tp[0]!,
        goal: 'report',
        pass: null,
        note:
          `CPU ms per run: ${fmt(cpu[i]!)}; in-transaction time: ${waitText(waits[i]!)}` +
          (n === 1 ? '; baseline of the 2- and 3-node rows' : '') +
          (n === 3 ? '; see README "Scaling out" for where the time goes' : ''),
      }),
    );
  } finally {
    await pg.stop();
  }
}

function waitText(w: { lock: number; node: number; running: number }): string {
  const p = (x: number): string => `${Math.round(x * 100)}%`;
  return `${p(w.lock)} waiting for the events lock, ${p(w.node)} waiting for the node, ${p(w.running)} running`;
}
