/**
 * Engine CPU per no-op run of two builds side by side, measured alternately in the same minutes (the machine is
 * shared, so figures taken at different times do not compare): each engine in turn runs a burst of 1,000 no-op runs
 * (`--batch=N`, default 1,000) and its CPU time over the burst (/proc schedstat, all threads) is divided by the runs; medians of `--batches`.
 *   node --import tsx bench/ab-cpu.ts --a=/tmp/before/dist/cli.js [--b=dist/cli.js] [--node-a=…] [--node-b=…] [--batches=8]
 * (a build of an earlier commit: `git archive <commit> | tar -x -C /tmp/before`, link node_modules, `node esbuild.mjs --production`).
 */
import { z } from 'zod';
import { CLI, makeWorkspace, removeDir, startEngineProc, type EngineProc } from './lib/procs';
import { sseGet } from './lib/sse-client';
import { childPids, median, procCpuUs, withTimeout } from './lib/stats';
import { BENCH_TASKS } from './lib/tasks';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const BATCH = Number(arg('batch') ?? 1000);
const State = z.object({ id: z.string(), status: z.string() });

interface Side {
  name: string;
  e: EngineProc;
  ws: string;
  done: Set<string>;
  wake: () => void;
  close: () => void;
  engineUs: number[];
  workersUs: number[];
  rate: number[];
}

async function side(name: string, cli: string, node: string | undefined): Promise<Side> {
  const ws = await makeWorkspace({ 'trigger/bench.ts': BENCH_TASKS });
  const e = await startEngineProc(ws, { workers: 2, taskIds: ['noop'], cli, ...(node ? { node } : {}) });
  const s: Side = { name, e, ws, done: new Set(), wake: () => {}, close: () => {}, engineUs: [], workersUs: [], rate: [] };
  const conn = sseGet(`${e.url}/realtime/v1/runs`, e.auth, (m) => {
    if (m.event !== 'run') return;
    const r = State.parse(JSON.parse(m.data));
    if (r.status === 'COMPLETED') {
      s.done.add(r.id);
      s.wake();
    }
  });
  await conn.opened;
  s.close = () => conn.close();
  return s;
}

const workersCpuUs = (pid: number): number => childPids(pid).reduce((sum, p) => sum + procCpuUs(p), 0);

async function burst(s: Side, counted: boolean): Promise<void> {
  const cpu0 = procCpuUs(s.e.pid);
  const w0 = workersCpuUs(s.e.pid);
  const t0 = performance.now();
  const res = await s.e.client.batchTrigger(Array.from({ length: BATCH }, () => ({ task: 'noop', payload: null })));
  const ids = res.runs.map((r) => r.id);
  await withTimeout(
    new Promise<void>((resolve) => {
      s.wake = () => void (ids.every((id) => s.done.has(id)) && resolve());
      s.wake();
    }),
    120_000,
    `${s.name} burst`,
  );
  const engineUs = (procCpuUs(s.e.pid) - cpu0) / BATCH;
  const workersUs = (workersCpuUs(s.e.pid) - w0) / BATCH;
  const rate = BATCH / ((performance.now() - t0) / 1000);
  process.stderr.write(`  ${s.name}: ${Math.round(rate)} runs/s, engine ${Math.round(engineUs)} µs/run, workers ${Math.round(workersUs)} µs/run\n`);
  if (!counted) return;
  s.engineUs.push(engineUs);
  s.workersUs.push(workersUs);
  s.rate.push(rate);
}

async function main(): Promise<void> {
  const a = arg('a');
  if (!a) throw new Error('usage: ab-cpu --a=CLI [--b=CLI] [--node-a=NODE] [--node-b=NODE] [--batches=N]');
  const batches = Number(arg('batches') ?? 8);
  const sides = [await side('A', a, arg('node-a')), await side('B', arg('b') ?? CLI, arg('node-b'))];
  try {
    for (const s of sides) await burst(s, false);
    for (let i = 0; i < batches; i++) for (const s of i % 2 ? [...sides].reverse() : sides) await burst(s, true);
  } finally {
    for (const s of sides) {
      s.close();
      await s.e.stop();
      await removeDir(s.ws);
    }
  }
  for (const s of sides) {
    process.stdout.write(
      `${s.name}: engine ${Math.round(median(s.engineUs))} µs/run, workers ${Math.round(median(s.workersUs))} µs/run, ${Math.round(median(s.rate))} runs/s (medians of ${batches})\n`,
    );
  }
  const [x, y] = sides as [Side, Side];
  process.stdout.write(`B/A engine CPU per run: ${(median(y.engineUs) / median(x.engineUs)).toFixed(3)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
