import { RunStore } from '../../src/extension/runs/runStore';
import { TreeRefresher, type TreeRefresh } from '../../src/extension/tree/refresher';
import { statusFlags, type Run, type RunStatus } from '../../src/protocol/run';
import { makeRun } from '../../test/unit/extension/fixtures';
import { metric, type Metric } from '../lib/metric';
import { median, sleep } from '../lib/stats';

const RUNS = 10_000;
const RATE = 1_000;
const SECONDS = 4;
const STATUSES: RunStatus[] = ['QUEUED', 'EXECUTING', 'COMPLETED', 'FAILED'];

function makeRuns(now: number): Run[] {
  return Array.from({ length: RUNS }, (_, i) => {
    const created = new Date(now - (RUNS - i) * 1000).toISOString();
    return makeRun({
      id: `run_bench${String(i).padStart(6, '0')}`,
      taskIdentifier: `task-${i % 20}`,
      status: i % 10 === 0 ? 'EXECUTING' : 'COMPLETED',
      tags: [`user_${i % 50}`, ...(i % 3 === 0 ? [`org_${i % 7}`] : [])],
      ...(i % 4 === 0 ? { batchId: `batch_${i % 100}` } : {}),
      createdAt: created,
      updatedAt: created,
      metadata: { progress: 0 },
    });
  });
}

interface Round {
  refreshesPerS: number;
  fullRefreshes: number;
  firedPerRefresh: number;
  updatesPerS: number;
  cpuPct: number;
}

/**
 * One round: the extension host's run store and tree refresher (the code behind the Runs view, without VS
 * Code) fed `RATE` run updates a second, one store event each as the run feed delivers them, across
 * `RUNS` runs; counts refreshes and the nodes each one fires, and the host CPU they cost.
 */
async function round(): Promise<Round> {
  const now = Date.now();
  const runs = makeRuns(now);
  const store = new RunStore();
  store.upsert(runs);
  const refresher = new TreeRefresher(store, { pageSize: 50 }, { tickMs: 0 });
  const refreshes: TreeRefresh[] = [];
  refresher.onDidRefresh((r) => refreshes.push(r));
  let updates = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const timer = setInterval(() => {
    // Catch up to RATE per second whatever the timer's jitter.
    const due = Math.floor(((performance.now() - t0) / 1000) * RATE) - updates;
    for (let k = 0; k < due; k++) {
      const i = (updates * 7919) % RUNS;
      const prev = store.get(runs[i]!.id)!;
      const status = k % 5 === 0 ? STATUSES[(updates >> 3) % STATUSES.length]! : prev.status;
      store.upsert([
        { ...prev, status, ...statusFlags(status), metadata: { progress: (updates % 100) / 100 }, updatedAt: new Date(now + updates + 1).toISOString() },
      ]);
      updates++;
    }
  }, 2);
  await sleep(SECONDS * 1000);
  clearInterval(timer);
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  refresher.dispose();
  store.dispose();
  const fired = refreshes.filter((r) => r.diff.full || r.diff.changed.length > 0);
  return {
    refreshesPerS: fired.length / elapsedS,
    fullRefreshes: refreshes.filter((r) => r.diff.full).length,
    firedPerRefresh: fired.length ? fired.reduce((n, r) => n + r.diff.changed.length, 0) / fired.length : 0,
    updatesPerS: updates / elapsedS,
    cpuPct: ((cpu.user + cpu.system) / 1000 / (elapsedS * 1000)) * 100,
  };
}

export async function treeMetrics(rounds: number, log: (s: string) => void): Promise<Metric[]> {
  log(`8. Runs tree model: ${RATE} run updates/s across ${RUNS} runs, ${SECONDS} s per round`);
  const rs: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    rs.push(await round());
    const x = rs.at(-1)!;
    log(
      `  round ${r + 1}/${rounds}: ${x.updatesPerS.toFixed(0)} updates/s → ${x.refreshesPerS.toFixed(1)} refreshes/s, ${x.firedPerRefresh.toFixed(1)} nodes fired each, ${x.fullRefreshes} full, host CPU ${x.cpuPct.toFixed(0)}%`,
    );
  }
  const refreshes = median(rs.map((x) => x.refreshesPerS));
  const full = Math.max(...rs.map((x) => x.fullRefreshes));
  const fired = median(rs.map((x) => x.firedPerRefresh));
  const cpuPct = median(rs.map((x) => x.cpuPct));
  const updates = median(rs.map((x) => x.updatesPerS));
  return [
    metric({
      name: 'tree refreshes @1k updates/s',
      value: refreshes,
      unit: 'refresh/s',
      baseline: 10,
      ratio: refreshes / 10,
      goal: '≤ 10/s, no full refresh',
      pass: refreshes <= 10 && full === 0,
      note: `${updates.toFixed(0)} updates/s over ${RUNS} runs; ${fired.toFixed(1)} nodes fired per refresh (changed runs and their groups only), ${full} full refreshes; host CPU ${cpuPct.toFixed(0)}% of a core`,
    }),
    metric({ name: 'tree host CPU @1k updates/s', value: cpuPct, unit: '% core', baseline: null, ratio: null, goal: 'reported', pass: null }),
  ];
}
