/**
 * 11. Bounded storage: bytes on disk per 1,000 chat-shaped runs, and a prune of PRUNE_N old runs by the retention
 * job while a stream is live (its p99 chunk latency during the prune against the same stream outside it).
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { newRunRecord, withStatus } from '../../src/engine/runs/model';
import { SqliteRunStore } from '../../src/engine/store/sqlite';
import type { WriteOp } from '../../src/engine/store/types';
import { metric, type Metric } from '../lib/metric';
import { makeWorkspace, removeDir, startEngineProc, type EngineProc } from '../lib/procs';
import { nowMs, pct, sleep, sortNum, withTimeout } from '../lib/stats';
import { BENCH_TASKS, PAD } from '../lib/tasks';
import { sseGet } from '../lib/sse-client';
import { CANCELABLE_STATUSES } from '../../src/shared/status';

const CHAT_RUNS = 1000;
const CHAT_TOKENS = 150;
const PRUNE_N = 100_000;
const PRUNE_AFTER_MS = 30_000;

/** Bytes of the database once its WAL is folded in (the engine stopped): what the file holds. */
async function settledBytes(dir: string): Promise<number> {
  const file = join(dir, '.runlight', 'runlight.db');
  const store = new SqliteRunStore({ file });
  await store.open();
  await store.checkpoint();
  await store.close();
  return statSync(file).size;
}

async function waitAllFinished(e: EngineProc, tag: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const open = await e.client.listRuns({ tag, status: [...CANCELABLE_STATUSES], pageSize: 1 });
    if (open.data.length === 0) return;
    if (Date.now() > until) throw new Error(`storage: runs tagged ${tag} not finished in ${ms} ms`);
    await sleep(200);
  }
}

/** Seeds PRUNE_N finished runs created 30 days ago, each with 3 chunks and 2 tags, straight into the store. */
async function seedOldRuns(dir: string): Promise<void> {
  const store = new SqliteRunStore({ file: join(dir, '.runlight', 'runlight.db') });
  await store.open();
  const t0 = Date.now() - 30 * 86_400_000;
  const body = JSON.stringify(PAD);
  for (let i = 0; i < PRUNE_N; i += 1000) {
    const ops: WriteOp[] = [];
    for (let j = i; j < i + 1000; j++) {
      const r = newRunRecord({
        id: `run_old${j}`,
        taskIdentifier: 'chatlike',
        tags: ['old', `u:${j % 50}`],
        maxAttempts: 1,
        number: j,
        now: new Date(t0 + j).toISOString(),
      });
      ops.push({ kind: 'create', record: r }, { kind: 'chunks', runId: r.run.id, key: 'answer', bodies: [body, body, body] });
      ops.push({ kind: 'update', runId: r.run.id, apply: (rec) => withStatus(rec, { status: 'COMPLETED', now: rec.run.createdAt }) });
    }
    await store.write(ops);
  }
  await store.checkpoint();
  await store.close();
}

export async function storageMetrics(log: (s: string) => void): Promise<Metric[]> {
  log(`11. storage: bytes per ${CHAT_RUNS} chat-shaped runs (${CHAT_TOKENS} tokens each); pruning ${PRUNE_N} old runs during a live stream`);
  const out: Metric[] = [];

  // Bytes per 1,000 chat runs: a fresh workspace, the runs, the engine stopped, the WAL folded in.
  const dir = await makeWorkspace({ 'trigger/bench.ts': BENCH_TASKS });
  try {
    let e = await startEngineProc(dir, { workers: 2, taskIds: ['chatlike'] });
    await e.stop();
    const empty = await settledBytes(dir);
    e = await startEngineProc(dir, { workers: 2, taskIds: ['chatlike'] });
    try {
      for (let i = 0; i < CHAT_RUNS; i += 500) {
        await e.client.batchTrigger(
          Array.from({ length: Math.min(500, CHAT_RUNS - i) }, (_, k) => ({
            task: 'chatlike',
            payload: { prompt: `question ${i + k}: how far is the moon?`, tokens: CHAT_TOKENS },
            options: { tags: ['chat-bytes'] },
          })),
        );
      }
      await waitAllFinished(e, 'chat-bytes', 300_000);
    } finally {
      await e.stop();
    }
    const full = await settledBytes(dir);
    const per1000 = ((full - empty) / CHAT_RUNS) * 1000;
    log(`  ${CHAT_RUNS} chat runs: ${empty} → ${full} bytes`);
    out.push(
      metric({
        name: 'bytes on disk per 1,000 chat runs',
        value: per1000 / 1e6,
        unit: 'MB',
        baseline: null,
        ratio: null,
        goal: 'report',
        pass: null,
        note: `${CHAT_TOKENS} streamed tokens, a prompt payload and the answer as output per run; SQLite file after a checkpoint`,
      }),
    );
  } finally {
    await removeDir(dir);
  }

  // Prune during a live stream.
  const pdir = await makeWorkspace({ 'trigger/bench.ts': BENCH_TASKS });
  try {
    const s0 = nowMs();
    await seedOldRuns(pdir);
    const dbFile = join(pdir, '.runlight', 'runlight.db');
    const seededBytes = statSync(dbFile).size;
    log(`  seeded ${PRUNE_N} runs in ${Math.round(nowMs() - s0)} ms (${seededBytes} bytes)`);
    let pruneStart = NaN;
    let pruneEnd = NaN;
    let removed = 0;
    const onLog = (text: string): void => {
      if (/retention: pruning/.test(text)) pruneStart = nowMs();
      const m = /retention: removed (\d+)/.exec(text);
      if (m) {
        pruneEnd = nowMs();
        removed = Number(m[1]);
      }
    };
    // The first prune waits PRUNE_AFTER_MS, so the stream below is flowing before it starts.
    const e = await startEngineProc(pdir, {
      workers: 2,
      taskIds: ['paced'],
      env: { RUNLIGHT_RETENTION_DAYS: '7', RUNLIGHT_RETENTION_START_MS: String(PRUNE_AFTER_MS) },
      onLog,
    });
    try {
      if (!Number.isNaN(pruneStart)) throw new Error('storage: the prune started before the stream; raise PRUNE_AFTER_MS');
      // A stream at 1,000 chunks/s for up to 3 minutes (cancelled once the prune is over).
      const n = 180_000;
      const { id } = await e.client.trigger('paced', { n, rate: 1000, pad: PAD, waitMs: 0 });
      const samples: { at: number; lat: number }[] = [];
      const conn = sseGet(`${e.url}/realtime/v1/streams/${id}/b`, e.auth, (m) => {
        const v = JSON.parse(m.data) as { t?: unknown };
        if (typeof v.t !== 'number') return;
        const at = nowMs();
        samples.push({ at, lat: at - v.t });
      });
      await withTimeout(
        (async () => {
          while (Number.isNaN(pruneEnd)) await sleep(100);
        })(),
        170_000,
        'the retention prune',
      );
      await sleep(3000); // some stream after the prune too
      conn.close();
      await conn.ended;
      await e.client.cancelRun(id).catch(() => undefined);
      const during = sortNum(samples.filter((s) => s.at >= pruneStart && s.at <= pruneEnd).map((s) => s.lat));
      const outside = sortNum(samples.filter((s) => s.at < pruneStart || s.at > pruneEnd).map((s) => s.lat));
      const seconds = (pruneEnd - pruneStart) / 1000;
      log(`  pruned ${removed} runs in ${seconds.toFixed(2)} s; ${during.length} chunks during, ${outside.length} outside`);
      const p99In = during.length ? pct(during, 0.99) : null;
      const p99Out = outside.length ? pct(outside, 0.99) : null;
      out.push(
        metric({
          name: `prune ${PRUNE_N / 1000}k runs`,
          value: removed / seconds,
          unit: 'runs/s',
          baseline: null,
          ratio: null,
          goal: 'report',
          pass: removed === PRUNE_N ? null : false,
          note: removed === PRUNE_N ? undefined : `removed ${removed} of ${PRUNE_N}`,
        }),
        metric({
          name: 'stream p99 during a prune',
          value: p99In,
          unit: 'ms',
          baseline: p99Out,
          ratio: p99In !== null && p99Out ? p99In / p99Out : null,
          goal: 'report',
          pass: null,
          note: 'baseline: the same 1k chunks/s stream before and after the prune',
        }),
      );
    } finally {
      await e.stop();
    }
    const after = await settledBytes(pdir);
    out.push(
      metric({
        name: 'file after pruning every seeded run',
        value: after / 1e6,
        unit: 'MB',
        baseline: seededBytes / 1e6,
        ratio: after / seededBytes,
        goal: 'ratio ≤ 0.5',
        pass: after / seededBytes <= 0.5,
        note: 'baseline: the file with the seeded runs (incremental vacuum gives the pages back)',
      }),
    );
  } finally {
    await removeDir(pdir);
    rmSync(pdir, { recursive: true, force: true });
  }
  return out;
}
