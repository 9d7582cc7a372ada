/**
 * SQLite store throughput, not a test: `npx tsx test/unit/engine/store/sqlite-bench.ts [--quick]`.
 * Prints commit rates of the store next to a raw node-sqlite3-wasm baseline measured in the same run,
 * and the distribution of single write() times (checkpoints block the event loop).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Database } from 'node-sqlite3-wasm';
import { newRunRecord, withMetadata, withStatus } from '../../../../src/engine/runs/model';
import { SqliteRunStore, type SqliteStoreOptions } from '../../../../src/engine/store/sqlite';
import type { WriteOp } from '../../../../src/engine/store/types';

const quick = process.argv.includes('--quick');
const N_SINGLE = quick ? 2_000 : 10_000;
const N_GROUPS = quick ? 50 : 200;
const root = mkdtempSync(join(tmpdir(), 'runlight-bench-'));
let fileNo = 0;

function rec(i: number) {
  return newRunRecord({
    id: `run_${String(i).padStart(8, '0')}`,
    taskIdentifier: 'bench',
    payload: { prompt: 'Summarise the following text in three sentences.', i },
    tags: ['bench', `t${i % 10}`],
    maxAttempts: 3,
    number: i,
    now: new Date(1_900_000_000_000 + i).toISOString(),
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function withStore<T>(opts: Partial<SqliteStoreOptions>, fn: (s: SqliteRunStore) => Promise<T>): Promise<T> {
  const store = new SqliteRunStore({ file: join(root, `b${++fileNo}`, 'runlight.db'), ...opts });
  await store.open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function rawBaseline(synchronous: string): { single: number; grouped: number } {
  const db = new Database(join(root, `raw${++fileNo}.db`));
  db.exec('PRAGMA locking_mode = EXCLUSIVE');
  db.get('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${synchronous}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)');
  const ins = db.prepare('INSERT INTO t (data) VALUES (?)');
  const body = JSON.stringify(rec(1).run);
  let t = performance.now();
  for (let i = 0; i < N_SINGLE; i++) ins.run([body]);
  const single = N_SINGLE / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let g = 0; g < N_GROUPS; g++) {
    db.exec('BEGIN');
    for (let i = 0; i < 100; i++) ins.run([body]);
    db.exec('COMMIT');
  }
  const grouped = (N_GROUPS * 100) / ((performance.now() - t) / 1000);
  ins.finalize();
  db.close();
  return { single, grouped };
}

/** Calls `fn` n times; overall rate and the rate implied by the median call (robust to a busy machine). */
async function timed(
  n: number,
  opsPerCall: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ overall: number; median: number; p99: number; max: number }> {
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  return {
    overall: (n * opsPerCall) / (total / 1000),
    median: opsPerCall / (pct(times, 0.5) / 1000),
    p99: pct(times, 0.99),
    max: times.at(-1) ?? 0,
  };
}

async function measure(opts: Partial<SqliteStoreOptions>, label: string): Promise<void> {
  await withStore(opts, async (store) => {
    await store.write([{ kind: 'create', record: rec(0) }]);
    const single = await timed(N_SINGLE, 1, (i) =>
      store.write([{ kind: 'update', runId: 'run_00000000', apply: (r) => withMetadata(r, { i }, r.run.createdAt) }]),
    );
    const creates = await timed(N_GROUPS, 100, (g) => {
      const ops: WriteOp[] = [];
      for (let i = 0; i < 100; i++) ops.push({ kind: 'create', record: rec(1 + g * 100 + i) });
      return store.write(ops);
    });
    const updates = await timed(N_GROUPS, 100, (g) => {
      const ops: WriteOp[] = [];
      for (let i = 0; i < 100; i++) {
        ops.push({ kind: 'update', runId: rec(1 + g * 100 + i).run.id, apply: (r) => withMetadata(r, { g }, r.run.createdAt) });
      }
      return store.write(ops);
    });
    const body = JSON.stringify('token ');
    const chunk1 = await timed(N_SINGLE, 1, () => store.write([{ kind: 'chunks', runId: 'run_00000001', key: 'a', bodies: [body] }]));
    // 100 one-token ops per commit: what group commit makes of concurrent token streams.
    const chunk100 = await timed(N_GROUPS, 100, () => {
      const ops: WriteOp[] = [];
      for (let i = 0; i < 100; i++) ops.push({ kind: 'chunks', runId: rec(1 + (i % 10)).run.id, key: 'b', bodies: [body] });
      return store.write(ops);
    });

    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    const line = (name: string, r: Awaited<ReturnType<typeof timed>>) =>
      console.log(
        `  ${name.padEnd(26)}: ${f(r.overall).padStart(7)}/s overall, ${f(r.median).padStart(7)}/s at the median call; ` +
          `call p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms`,
      );
    console.log(`\n${label}`);
    line('single-op update commits', single);
    line('100-op groups, creates', creates);
    line('100-op groups, updates', updates);
    line('chunks, 1 per commit', chunk1);
    line('chunks, 100 ops per commit', chunk100);
  });
}

/**
 * A no-op run's two commits as the engine makes them alone (create + claim, then complete), p50 of each,
 * back-to-back and 20 ms apart (the spacing of the bench's single-run latency rounds): what idle time costs
 * the same transactions on this machine.
 */
async function runCommits(): Promise<void> {
  await withStore({ synchronous: 'NORMAL' }, async (store) => {
    let n = 1_000_000;
    const one = async (): Promise<[number, number]> => {
      const r = rec(n++);
      const t0 = performance.now();
      await store.write([
        { kind: 'create', record: r },
        { kind: 'claim', node: 'bench', limit: 1, now: Date.now(), leaseMs: 30_000, startAttempt: true },
      ]);
      const t1 = performance.now();
      await store.write([
        { kind: 'update', runId: r.run.id, apply: (x) => withStatus(x, { status: 'COMPLETED', now: new Date().toISOString(), output: null }) },
      ]);
      return [t1 - t0, performance.now() - t1];
    };
    for (let i = 0; i < 500; i++) await one();
    console.log("\na run's commits alone (create + claim, then complete), p50:");
    for (const gapMs of [0, 20]) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < (quick ? 50 : 200); i++) {
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
        const [x, y] = await one();
        a.push(x);
        b.push(y);
      }
      const p50 = (xs: number[]) =>
        pct(
          xs.sort((p, q) => p - q),
          0.5,
        ).toFixed(3);
      console.log(`  ${gapMs ? `${gapMs} ms apart  ` : 'back-to-back'}: create + claim ${p50(a)} ms, complete ${p50(b)} ms`);
    }
  });
}

async function main(): Promise<void> {
  console.log(`node ${process.version}; ${N_SINGLE} single commits, ${N_GROUPS} groups of 100`);
  for (const sync of ['NORMAL', 'FULL'] as const) {
    const raw = rawBaseline(sync);
    console.log(
      `\nraw node-sqlite3-wasm WAL synchronous=${sync}: ${Math.round(raw.single).toLocaleString('en-US')} single-row commits/s, ` +
        `${Math.round(raw.grouped).toLocaleString('en-US')} rows/s in 100-row transactions`,
    );
    await measure({ synchronous: sync }, `store synchronous=${sync}, wal_autocheckpoint=1000`);
  }
  await measure({ synchronous: 'NORMAL', walAutocheckpoint: 256 }, 'store synchronous=NORMAL, wal_autocheckpoint=256');
  await measure({ synchronous: 'NORMAL', walAutocheckpoint: 4000 }, 'store synchronous=NORMAL, wal_autocheckpoint=4000');
  await runCommits();
  rmSync(root, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  rmSync(root, { recursive: true, force: true });
  process.exit(1);
});
