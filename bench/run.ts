/**
 * `npm run bench`: Runlight's engine measured side by side with baselines started in the same run
 * (raw node:http SSE, an IPC-relay SSE server, BullMQ on a loopback redis-server in process and sandboxed with an
 * append-only file, a bare node http server), alternating rounds,
 * medians of ≥ 3 rounds. Prints a table and writes bench/results/latest.json.
 * Flags: --only=1,3 (metric groups), --rounds=N, --skip-build, --engine-node=PATH (the Node groups 1–4 run the engine
 * on, e.g. the harness's Node 24, whose node:sqlite the store then uses), --engine-cli=PATH (another build's dist/cli.js,
 * e.g. of an earlier commit, measured by this bench), --profile=DIR (engine under --cpu-prof; prints its
 * top self-time frames; build without --production first for readable names: `node esbuild.mjs`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform } from 'node:os';
import { join } from 'node:path';
import { bundleMetrics, buildProduction } from './metrics/bundles';
import { activationMetrics } from './metrics/activation';
import { coldStartMetrics } from './metrics/cold-start';
import { queueMetrics } from './metrics/queue';
import { nodesMetrics } from './metrics/nodes';
import { treeMetrics } from './metrics/tree';
import { storageMetrics } from './metrics/storage';
import { idleEngineMetrics } from './metrics/idle-engine';
import { webviewMetrics } from './metrics/webview';
import { fanoutMetrics, latencyMetrics, throughputMetrics } from './metrics/streaming';
import type { Metric } from './lib/metric';
import { makeWorkspace, removeDir, repoRoot, startEngineProc, startRawServer, startRelayServer, type RawProc } from './lib/procs';
import { BENCH_TASKS } from './lib/tasks';
import { topFrames } from './lib/top-frames';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const only = new Set((arg('only') ?? '1,2,3,4,5,6,7,8,9,10,11,12').split(',').map(Number));
const profileDir = arg('profile');
const rounds = Math.max(3, Number(arg('rounds') ?? 3));
const log = (s: string): void => void process.stderr.write(s + '\n');

function table(metrics: Metric[]): string {
  const fmt = (v: number | null): string => (v === null ? '–' : Math.abs(v) >= 100 ? String(Math.round(v)) : String(v));
  const rows = [
    ['metric', 'value', 'unit', 'baseline', 'ratio', 'goal', 'pass'],
    ...metrics.map((m) => [m.name, fmt(m.value), m.unit, fmt(m.baseline), fmt(m.ratio), m.goal, m.pass === null ? '–' : m.pass ? 'yes' : 'NO']),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 || c === 2 || c === 5 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const notes = metrics.filter((m) => m.note).map((m) => `  * ${m.name}: ${m.note}`);
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg();
  let engineRuntime: string | undefined;
  const metrics: Metric[] = [];
  if (!process.argv.includes('--skip-build')) {
    log('building: node esbuild.mjs --production');
    buildProduction();
  }
  if (only.has(6)) metrics.push(...bundleMetrics());

  if ([1, 2, 3, 4].some((g) => only.has(g))) {
    const dir = await makeWorkspace({ 'trigger/bench.ts': BENCH_TASKS });
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const engineNode = arg('engine-node');
    const engineCli = arg('engine-cli');
    const engine = await startEngineProc(dir, {
      workers: 2,
      taskIds: ['noop', 'paced', 'burst'],
      nodeArgs,
      ...(engineNode ? { node: engineNode } : {}),
      ...(engineCli ? { cli: engineCli } : {}),
    });
    engineRuntime = engine.runtime;
    let raw: RawProc | undefined;
    let relay: RawProc | undefined;
    try {
      raw = await startRawServer();
      relay = await startRelayServer();
      log(`engine ${engine.url} (pid ${engine.pid}; ${engine.runtime}), raw SSE ${raw.url} (pid ${raw.pid}), IPC relay ${relay.url} (pid ${relay.pid})`);
      if (only.has(1)) metrics.push(...(await latencyMetrics(engine, raw, relay, rounds, log)));
      if (only.has(2)) metrics.push(...(await throughputMetrics(engine, raw, rounds, log)));
      if (only.has(3)) metrics.push(...(await fanoutMetrics(engine, raw, rounds, log)));
      if (only.has(4)) metrics.push(...(await queueMetrics(engine, rounds, log)));
    } finally {
      await raw?.stop();
      await relay?.stop();
      await engine.stop();
      await removeDir(dir);
    }
    if (profileDir) {
      const file = readdirSync(profileDir).find((f) => f.includes(`.${engine.pid}.`) && f.endsWith('.cpuprofile'));
      log(file ? `engine profile ${join(profileDir, file)}\n${topFrames(join(profileDir, file), 30).join('\n')}` : 'no engine profile written');
    }
  }
  if (only.has(5)) metrics.push(...(await coldStartMetrics(rounds + 2, log)));
  if (only.has(7)) metrics.push(...(await nodesMetrics(rounds, log)));
  if (only.has(8)) metrics.push(...(await treeMetrics(rounds, log)));
  if (only.has(9)) metrics.push(...(await webviewMetrics(log)));
  if (only.has(10)) metrics.push(...(await activationMetrics(rounds, log)));
  if (only.has(11)) metrics.push(...(await storageMetrics(log)));
  if (only.has(12)) metrics.push(...(await idleEngineMetrics(log)));

  const cpu = cpus();
  const result = {
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version, platform: `${platform()} ${release()}` },
    // 1-minute load average when the run started and ended: the machine is shared, so figures are noisy when it is high.
    loadAverage: { start: round2(loadAtStart[0]!), end: round2(loadavg()[0]!) },
    commit: gitHead(),
    ...(engineRuntime ? { engine: engineRuntime } : {}),
    durationS: Math.round((Date.now() - started) / 1000),
    metrics,
  };
  const outDir = join(repoRoot, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(
    `\n${result.machine.model} × ${result.machine.cpus}, node ${result.machine.node}, ${result.machine.platform}, ${result.durationS} s, ` +
      `load average ${result.loadAverage.start} → ${result.loadAverage.end}${engineRuntime ? `; engine on ${engineRuntime}` : ''}\n\n`,
  );
  process.stdout.write(table(metrics) + '\n\nwritten: bench/results/latest.json\n');
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function release(): string {
  try {
    return execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function gitHead(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
