/**
 * SQLite store throughput, not a test: `npx tsx test/unit/store/sqlite-bench.ts [--quick]`.
 * Prints commit rates of the store next to a raw node-sqlite3-wasm baseline measured in the same run,
 * and the distribution of single write() times (checkpoints block the event loop).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Database } from 'node-sqlite3-wasm';
import { newRunRecord, withMetadata } from '../../../src/engine/runs/model';
import { SqliteRunStore, type SqliteStoreOptions } from '../../../src/engine/store/sqlite';
import type { WriteOp } from '../../../src/engine/store/types';

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

async function measure(opts: Partial<SqliteStoreOptions>, label: string): Promise<void> {
  await withStore(opts, async (store) => {
    // single-op commits: one metadata update per transaction
    await store.write([{ kind: 'create', record: rec(0) }]);
    const times: number[] = [];
    let t0 = performance.now();
    for (let i = 0; i < N_SINGLE; i++) {
      const t = performance.now();
      await store.write([{ kind: 'update', runId: 'run_00000000', apply: (r) => withMetadata(r, { i }, r.run.createdAt) }]);
      times.push(performance.now() - t);
    }
    const single = N_SINGLE / ((performance.now() - t0) / 1000);
    times.sort((a, b) => a - b);

    // 100-op groups: creates
    t0 = performance.now();
    for (let g = 0; g < N_GROUPS; g++) {
      const ops: WriteOp[] = [];
      for (let i = 0; i < 100; i++) ops.push({ kind: 'create', record: rec(1 + g * 100 + i) });
      await store.write(ops);
    }
    const grouped = (N_GROUPS * 100) / ((performance.now() - t0) / 1000);

    // 100-op groups: updates of existing runs
    t0 = performance.now();
    for (let g = 0; g < N_GROUPS; g++) {
      const ops: WriteOp[] = [];
      for (let i = 0; i < 100; i++) {
        ops.push({ kind: 'update', runId: rec(1 + g * 100 + i).run.id, apply: (r) => withMetadata(r, { g }, r.run.createdAt) });
      }
      await store.write(ops);
    }
    const groupedUpdates = (N_GROUPS * 100) / ((performance.now() - t0) / 1000);

    // chunks: one token per transaction, 100 one-token ops per group (what group commit makes of a token stream)
    const body = JSON.stringify('token ');
    t0 = performance.now();
    for (let i = 0; i < N_SINGLE; i++) await store.write([{ kind: 'chunks', runId: 'run_00000001', key: 'a', bodies: [body] }]);
    const chunkSingle = N_SINGLE / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let g = 0; g < N_GROUPS; g++) {
      const ops: WriteOp[] = [];
      for (let i = 0; i < 100; i++) ops.push({ kind: 'chunks', runId: rec(1 + (i % 10)).run.id, key: 'b', bodies: [body] });
      await store.write(ops);
    }
    const chunkGrouped = (N_GROUPS * 100) / ((performance.now() - t0) / 1000);

    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`\n${label}`);
    console.log(`  single-op update commits : ${f(single)}/s   (write() p50 ${pct(times, 0.5).toFixed(3)} ms, p99 ${pct(times, 0.99).toFixed(3)} ms, max ${times.at(-1)?.toFixed(2)} ms)`);
    console.log(`  100-op groups, creates   : ${f(grouped)} ops/s  (${f(grouped / 100)} groups/s)`);
    console.log(`  100-op groups, updates   : ${f(groupedUpdates)} ops/s`);
    console.log(`  chunks, 1 per commit     : ${f(chunkSingle)}/s`);
    console.log(`  chunks, 100 ops/commit   : ${f(chunkGrouped)}/s`);
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
  rmSync(root, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  rmSync(root, { recursive: true, force: true });
  process.exit(1);
});
