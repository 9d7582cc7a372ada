/**
 * 12. A light idle engine: the resident memory of the engine with its workers and build service once idle (against
 * the same engine just after a run, everything up), the first build of the demo's task files with native esbuild
 * and with esbuild-wasm, and the time from saving a task file to the rebuilt task's run completing, with the build
 * service stopped (after an idle spell) and running.
 */
import { cpSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { metric, type Metric } from '../lib/metric';
import { newerNode } from '../lib/newer-node';
import { removeDir, repoRoot, startEngineProc, tempDir, type EngineProc } from '../lib/procs';
import { nowMs, sleep } from '../lib/stats';

const IDLE_MS = 3000;
const PING = (n: number) => `import { task } from '@trigger.dev/sdk';\nexport const ping = task({ id: 'ping', run: async () => ({ n: ${n} }) });\n`;

/** RSS in MB of `pid` and every process below it, and how many processes that is. */
function treeRss(pid: number): { mb: number; processes: number } {
  const parent = new Map<number, number>();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended meanwhile
    }
  }
  const inTree = (p: number): boolean => p === pid || (parent.has(p) && p > 1 && inTree(parent.get(p)!));
  let kb = 0;
  let processes = 0;
  for (const p of parent.keys()) {
    if (!inTree(p)) continue;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      processes++;
    } catch {
      // ended meanwhile
    }
  }
  return { mb: kb / 1024, processes };
}

/** A copy of the demo's task files (its node_modules linked) plus a tiny `ping` task. */
async function demoWorkspace(): Promise<string> {
  const dir = await tempDir('idle');
  const demo = join(repoRoot, 'examples/demo');
  cpSync(join(demo, 'trigger'), join(dir, 'trigger'), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) cpSync(join(demo, f), join(dir, f));
  symlinkSync(join(demo, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'trigger', 'ping.ts'), PING(0));
  return dir;
}

async function waitForLog(get: () => string, re: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = re.exec(get());
    if (m) return m;
    if (Date.now() > until) throw new Error(`idle engine: no ${what} within ${ms} ms`);
    await sleep(10);
  }
}

/** ms from writing ping.ts (returning n) to a run of ping completing with n. */
async function saveToRun(e: EngineProc, dir: string, n: number): Promise<number> {
  const t0 = nowMs();
  writeFileSync(join(dir, 'trigger', 'ping.ts'), PING(n));
  for (;;) {
    const { id } = await e.client.trigger('ping', {});
    for (;;) {
      const run = await e.client.retrieveRun(id);
      if (run.status === 'COMPLETED') {
        if ((run.output as { n?: number }).n === n) return nowMs() - t0;
        break;
      }
      if (nowMs() - t0 > 120_000) throw new Error('idle engine: the edited task never ran');
      await sleep(5);
    }
  }
}

interface Side {
  /** The engine's Node and store. */
  runtime: string;
  firstBuildMs: number;
  busyMb: number;
  idleMb: number;
  idleProcesses: number;
  coldSaveMs: number;
  warmSaveMs: number;
}

/** `node`: another Node to run the engine on (the store is node:sqlite where that Node has it). */
async function measure(kind: 'native' | 'wasm', log: (s: string) => void, node?: string): Promise<Side> {
  const dir = await demoWorkspace();
  let text = '';
  const e = await startEngineProc(dir, {
    workers: 2,
    taskIds: ['ping'],
    env: { RUNLIGHT_ESBUILD: kind, RUNLIGHT_WORKER_IDLE_MS: String(IDLE_MS), RUNLIGHT_BUILD_IDLE_MS: String(IDLE_MS) },
    onLog: (t) => (text += t),
    ...(node ? { node } : {}),
  });
  try {
    const first = await waitForLog(() => text, /built (\d+) in (\d+) ms/, 60_000, 'first build');
    const files = Number(first[1]);
    const firstBuildMs = Number(first[2]);
    await saveToRun(e, dir, 1);
    const busy = treeRss(e.pid);
    await sleep(IDLE_MS * 2 + 1000);
    const idle = treeRss(e.pid);
    const coldSaveMs = await saveToRun(e, dir, 2);
    const warmSaveMs = await saveToRun(e, dir, 3);
    log(
      `  ${kind} (${e.runtime}): first build of ${files} files ${firstBuildMs} ms; ${busy.mb.toFixed(0)} MB in ${busy.processes} processes after a run, ` +
        `${idle.mb.toFixed(0)} MB in ${idle.processes} when idle; save → run ${coldSaveMs.toFixed(0)} ms cold, ${warmSaveMs.toFixed(0)} ms warm`,
    );
    return { runtime: e.runtime, firstBuildMs, busyMb: busy.mb, idleMb: idle.mb, idleProcesses: idle.processes, coldSaveMs, warmSaveMs };
  } finally {
    await e.stop();
    await removeDir(dir);
  }
}

/** A first-build row: `side` against `baseline`, whose runtimes the note names. */
function firstBuild(name: string, side: Side, baseline: Side, about: string): Metric {
  return metric({
    name,
    value: side.firstBuildMs,
    unit: 'ms',
    baseline: baseline.firstBuildMs,
    ratio: side.firstBuildMs / baseline.firstBuildMs,
    goal: '≤ 300 ms',
    pass: side.firstBuildMs <= 300,
    note: `engine on ${side.runtime}; ${about}`,
  });
}

export async function idleEngineMetrics(log: (s: string) => void): Promise<Metric[]> {
  log(`12. idle engine: memory once idle (workers and build service stop after ${IDLE_MS} ms here), first build, save → run`);
  const wasm = await measure('wasm', log);
  const native = await measure('native', log);
  // The same on the newer Node VS Code's current releases bring (the harness's Node 24): its store is node:sqlite,
  // not WebAssembly that V8 compiles on background threads while the first build runs (on 2 cores, beside esbuild).
  const node = await newerNode();
  const newer = node ? await measure('native', log, node) : undefined;
  if (!node) log('  (no newer Node in test/harness/current: npm run harness:install adds it; that row is left out)');
  const sides = [
    ['esbuild-wasm', wasm],
    ['native esbuild', native],
  ] as const;
  return [
    ...sides.map(([name, s]) =>
      metric({
        name: `idle footprint (${name})`,
        value: s.idleMb,
        unit: 'MB RSS',
        baseline: s.busyMb,
        ratio: s.idleMb / s.busyMb,
        goal: '≤ 150 MB',
        pass: s.idleMb <= 150,
        note: `engine + workers + build service, ${s.idleProcesses} process(es) once idle; baseline: the same right after a run`,
      }),
    ),
    firstBuild("first build of the demo's tasks (native)", native, wasm, 'baseline: esbuild-wasm, as the engine logs it'),
    ...(newer ? [firstBuild("first build of the demo's tasks (native, newer Node)", newer, native, "baseline: the same on this machine's Node")] : []),
    ...sides.map(([name, s]) =>
      metric({
        name: `save → run, build service stopped (${name})`,
        value: s.coldSaveMs,
        unit: 'ms',
        baseline: s.warmSaveMs,
        ratio: s.coldSaveMs / s.warmSaveMs,
        goal: 'report',
        pass: null,
        note: 'from writing a task file to a run of the rebuilt task completing; baseline: with the build service running',
      }),
    ),
  ];
}
