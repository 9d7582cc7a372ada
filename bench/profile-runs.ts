/**
 * Profiles no-op runs: an engine (and its task workers) under --cpu-prof runs `--batches=N` bursts of 1,000 no-op
 * runs, then prints the top self-time frames of the engine and of the busiest worker, and the engine's CPU µs per run.
 * `node esbuild.mjs && node --import tsx bench/profile-runs.ts --dir=/tmp/prof [--batches=5] [--node=PATH]` (a development build
 * keeps readable names).
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makeWorkspace, removeDir, startEngineProc } from './lib/procs';
import { sseGet } from './lib/sse-client';
import { procCpuUs, withTimeout } from './lib/stats';
import { BENCH_TASKS } from './lib/tasks';
import { topFrames } from './lib/top-frames';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const BATCH = 1000;

/** utime and stime of a process in clock ticks (1/100 s). */
function userSys(pid: number): [number, number] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]), Number(f[12])];
}

async function main(): Promise<void> {
  const dir = arg('dir');
  if (!dir) throw new Error('usage: profile-runs --dir=DIR [--batches=N] [--frames=N]');
  const batches = Number(arg('batches') ?? 5);
  mkdirSync(dir, { recursive: true });
  const ws = await makeWorkspace({ 'trigger/bench.ts': BENCH_TASKS });
  process.env.RUNLIGHT_WORKER_CPU_PROF_DIR = dir;
  const node = arg('node');
  const e = await startEngineProc(ws, { workers: 2, taskIds: ['noop'], nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], ...(node ? { node } : {}) });
  delete process.env.RUNLIGHT_WORKER_CPU_PROF_DIR;
  const done = new Set<string>();
  let wake = (): void => {};
  const State = z.object({ id: z.string(), status: z.string() });
  const conn = sseGet(`${e.url}/realtime/v1/runs`, e.auth, (m) => {
    if (m.event !== 'run') return;
    const r = State.parse(JSON.parse(m.data));
    if (r.status === 'COMPLETED') {
      done.add(r.id);
      wake();
    }
  });
  await conn.opened;
  const perRun: number[] = [];
  try {
    for (let b = 0; b <= batches; b++) {
      const cpu0 = procCpuUs(e.pid);
      const [u0, s0] = userSys(e.pid);
      const t0 = performance.now();
      const res = await e.client.batchTrigger(Array.from({ length: BATCH }, () => ({ task: 'noop', payload: null })));
      const ids = res.runs.map((r) => r.id);
      await withTimeout(
        new Promise<void>((resolve) => {
          wake = () => ids.every((id) => done.has(id)) && resolve();
          wake();
        }),
        120_000,
        'batch',
      );
      const us = (procCpuUs(e.pid) - cpu0) / BATCH;
      const [u1, s1] = userSys(e.pid);
      // The first batch warms up (JIT), and is not counted.
      if (b > 0) perRun.push(us);
      process.stderr.write(
        `batch ${b}: ${Math.round(BATCH / ((performance.now() - t0) / 1000))} runs/s, engine ${Math.round(us)} µs/run (user ${Math.round(((u1 - u0) * 1e4) / BATCH)}, system ${Math.round(((s1 - s0) * 1e4) / BATCH)})\n`,
      );
    }
  } finally {
    conn.close();
    await e.stop();
    await removeDir(ws);
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f));
  const engineFile = files.find((f) => f.includes(`.${e.pid}.`));
  const workerFile = files.filter((f) => f !== engineFile).sort((a, b) => statSync(b).size - statSync(a).size)[0];
  const n = Number(arg('frames') ?? 25);
  const sorted = [...perRun].sort((a, b) => a - b);
  process.stdout.write(`engine CPU per run (median of ${sorted.length} batches): ${Math.round(sorted[sorted.length >> 1] ?? NaN)} µs\n`);
  if (engineFile) process.stdout.write(`\nengine ${engineFile}\n${topFrames(engineFile, n).join('\n')}\n`);
  if (workerFile) process.stdout.write(`\nworker ${workerFile}\n${topFrames(workerFile, n).join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
