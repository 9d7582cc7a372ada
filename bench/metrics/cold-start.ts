import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { newRunRecord, withMetadata, withStatus } from '../../src/engine/runs/model';
import { openStore } from '../../src/engine/store/open';
import type { RunRecord, WriteOp } from '../../src/engine/store/types';
import { alternate, metric, type Metric } from '../lib/metric';
import { newerNode } from '../lib/newer-node';
import { CLI, SECRET, freePort, removeDir, stopChild, tempDir } from '../lib/procs';
import { median, nowMs, sleep } from '../lib/stats';

const RUNS = 1000;
const EVENTS = 100_000;

function healthy(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

/** ms from spawn until GET `path` answers 200. */
async function timeToServe(port: number, start: () => ChildProcess, path: string): Promise<number> {
  const t0 = nowMs();
  const child = start();
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if (await healthy(port, path)) return nowMs() - t0;
      if (exited) throw new Error(`the process exited before serving ${path}`);
      if (nowMs() - t0 > 30_000) throw new Error(`nothing served ${path} within 30 s`);
      await sleep(2);
    }
  } finally {
    await stopChild(child, 10_000);
  }
}

function engineStart(dir: string, port: number, node = process.execPath): () => ChildProcess {
  return () =>
    spawn(node, [CLI, 'dev', '--dir', dir, '--port', String(port), '--workers', '2'], {
      env: { ...process.env, RUNLIGHT_SECRET_KEY: SECRET },
      stdio: 'ignore',
    });
}

const BARE = "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')";
const bareStart =
  (port: number, node = process.execPath) =>
  () =>
    spawn(node, ['-e', BARE, String(port)], { stdio: 'ignore' });

/** Fills `<dir>/.runlight/runlight.db` with RUNS finished runs and EVENTS events through the store API. */
async function prefill(dir: string): Promise<void> {
  const store = await openStore(undefined, join(dir, '.runlight'));
  try {
    const records: RunRecord[] = [];
    const t = Date.now() - 3600_000;
    for (let i = 0; i < RUNS; i++) {
      records.push(
        newRunRecord({
          id: `run_bench${String(i).padStart(8, '0')}`,
          taskIdentifier: 'prefill',
          payload: { prompt: 'Summarise the following text in three sentences.', i },
          tags: ['bench', `t${i % 10}`],
          maxAttempts: 1,
          number: i + 1,
          now: new Date(t + i).toISOString(),
        }),
      );
    }
    await store.write(records.map((record) => ({ kind: 'create', record })));
    const perRun = EVENTS / RUNS - 2; // + created + COMPLETED
    const now = new Date().toISOString();
    for (let k = 0; k < perRun; k++) {
      const ops: WriteOp[] = records.map((r) => ({
        kind: 'update',
        runId: r.run.id,
        apply: (rec) => withMetadata(rec, { step: k, note: 'progress update' }, now),
      }));
      await store.write(ops);
    }
    await store.write(
      records.map((r) => ({ kind: 'update', runId: r.run.id, apply: (rec) => withStatus(rec, { status: 'COMPLETED', now, output: { ok: true } }) })),
    );
    const head = await store.headSeq();
    if (head < EVENTS) throw new Error(`prefill wrote ${head} events, wanted ${EVENTS}`);
  } finally {
    await store.close();
  }
}

export async function coldStartMetrics(rounds: number, log: (s: string) => void): Promise<Metric[]> {
  log(`5. cold start to serving (spawn → /healthz 200), ${rounds} rounds`);
  const full = await tempDir('full');
  const t0 = nowMs();
  await prefill(full);
  log(`  prefilled ${EVENTS} events in ${Math.round(nowMs() - t0)} ms`);
  const empties: string[] = [];
  try {
    const port = await freePort();
    const bare: number[] = [];
    const engineEmpty = async (node?: string): Promise<number> => {
      const dir = await tempDir('empty');
      empties.push(dir);
      return timeToServe(port, engineStart(dir, port, node), '/healthz');
    };
    const engineFull = (): Promise<number> => timeToServe(port, engineStart(full, port), '/healthz');
    const bareOne = async (): Promise<number> => {
      const ms = await timeToServe(port, bareStart(port), '/');
      bare.push(ms);
      return ms;
    };
    // Rounds alternate engine (empty, then 100k) with the bare server.
    const { a } = await alternate(rounds, async () => ({ empty: await engineEmpty(), full: await engineFull() }), bareOne, log);
    const e = median(a.map((r) => r.empty));
    const f = median(a.map((r) => r.full));
    const b = median(bare);
    const note = `engine on ${process.version}; baseline: spawn of a bare \`node -e\` http server until it answers`;
    const rows = [
      metric({ name: 'cold start, empty store', value: e, unit: 'ms', baseline: b, ratio: e / b, goal: '≤ 300 ms', pass: e <= 300, note }),
      metric({ name: 'cold start, 100k events', value: f, unit: 'ms', baseline: b, ratio: f / b, goal: '≤ 600 ms', pass: f <= 600 }),
    ];
    // The same on the newer Node VS Code's current releases run the engine on: its store is node:sqlite, not WebAssembly.
    const node = await newerNode();
    if (!node) {
      log('  (no newer Node in test/harness/current: npm run harness:install adds it; the newer-Node row is left out)');
      return rows;
    }
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const newer = await alternate(
      rounds,
      () => engineEmpty(node),
      () => timeToServe(port, bareStart(port, node), '/'),
      log,
    );
    const ne = median(newer.a);
    const nb = median(newer.b);
    rows.push(
      metric({
        name: 'cold start, empty store (newer Node)',
        value: ne,
        unit: 'ms',
        baseline: nb,
        ratio: ne / nb,
        goal: '≤ 300 ms',
        pass: ne <= 300,
        note: `engine on ${version} (store: node:sqlite); baseline: the bare server on the same Node`,
      }),
    );
    return rows;
  } finally {
    await removeDir(full);
    for (const d of empties) await removeDir(d);
  }
}
