import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { newRunRecord, withMetadata, withStatus } from '../../../../src/engine/runs/model';
import { openStore } from '../../../../src/engine/store/open';
import { SqliteRunStore } from '../../../../src/engine/store/sqlite';
import { chooseDriver, nodeSqliteModule, type SqliteDriver } from '../../../../src/engine/store/sqlite/driver';
import { acquireWorkspaceLock, holdsWorkspaceLock } from '../../../../src/engine/workspace-lock';
import { describeStoreConformance, type StoreFactory } from './conformance';
import { describeQueueConformance } from './queue-conformance';
import { describeIdempotencyConformance } from './idempotency-conformance';

const CHILD = join(__dirname, 'fixtures', 'sqlite-child.ts');

function tempRunlightDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'runlight-store-')), '.runlight');
}

const sqliteStore =
  (driver: SqliteDriver): StoreFactory =>
  async () => {
    const dir = tempRunlightDir();
    const file = join(dir, 'runlight.db');
    let store = new SqliteRunStore({ file, driver });
    await store.open();
    return {
      store,
      async reopen() {
        await store.close();
        store = new SqliteRunStore({ file, driver });
        await store.open();
        return store;
      },
      async dispose() {
        await store.close();
        rmSync(join(dir, '..'), { recursive: true, force: true });
      },
    };
  };
// Both SQLite libraries where this runtime has node:sqlite (Node ≥ 22.13: sqlite-node24.test.ts runs this file on
// the harness's Node 24), node-sqlite3-wasm alone on Node 20.
const drivers: SqliteDriver[] = nodeSqliteModule() ? ['wasm', 'node:sqlite'] : ['wasm'];
for (const driver of drivers) {
  const name = driver === 'wasm' ? 'sqlite' : 'sqlite (node:sqlite)';
  describeStoreConformance(name, sqliteStore(driver));
  describeQueueConformance(name, sqliteStore(driver));
  describeIdempotencyConformance(name, sqliteStore(driver));
}
/** The library a store opened without a driver option uses here (the crash tests' child process too). */
const defaultDriver = chooseDriver();
/** node-sqlite3-wasm locks with a `<db>.lock` folder; node:sqlite with the file locks of SQLite itself. */
const lockDirs = defaultDriver === 'wasm';

/** Starts the child script under tsx; resolves once it printed `until` (or fails on exit). */
function startChild(dir: string, mode: 'write' | 'hold'): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: join(__dirname, '..', '..', '..', '..'),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('exit', (code) => {
    if (code) process.stderr.write(`sqlite-child exited ${code}: ${stderr}\n`);
  });
  const rl = createInterface({ input: child.stdout! });
  return { child, lines: rl[Symbol.asyncIterator]() };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe(`SQLite store: crashes and locks${defaultDriver === 'wasm' ? '' : ` (${defaultDriver})`}`, function () {
  this.timeout(60_000);
  const cleanup: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) await killed(c);
    for (const d of cleanup.splice(0)) rmSync(join(d, '..'), { recursive: true, force: true });
  });

  it('keeps every acknowledged write when the writer is killed with SIGKILL', async () => {
    const dir = tempRunlightDir();
    cleanup.push(dir);
    const { child, lines } = startChild(dir, 'write');
    children.push(child);
    const acked: number[] = [];
    for (;;) {
      const next = await lines.next();
      if (next.done) throw new Error('child ended before enough writes');
      const m = /^ack (\d+)$/.exec(next.value);
      if (m) acked.push(Number(m[1]));
      if (acked.length >= 300) break;
    }
    child.kill('SIGKILL');
    // Read what it acknowledged between our count and the kill too.
    for (;;) {
      const next = await lines.next();
      if (next.done) break;
      const m = /^ack (\d+)$/.exec(next.value);
      if (m) acked.push(Number(m[1]));
    }
    await killed(child);
    if (lockDirs) assert.ok(existsSync(join(dir, 'runlight.db.lock')), 'a killed writer leaves the SQLite lock dir behind');
    assert.ok(existsSync(join(dir, 'engine.lock')), 'and its workspace lock file');

    const lock = await acquireWorkspaceLock(dir); // dead owner: taken over
    const store = await openStore(undefined, dir);
    try {
      const events = await store.eventsAfter(0, {}, 100_000);
      const stored = new Set(events.map((e) => e.seq));
      const lost = acked.filter((s) => !stored.has(s));
      assert.deepEqual(lost, [], `acknowledged seqs lost after kill -9 (${acked.length} acked)`);
      const run = await store.getRun('run_crash');
      assert.ok(run && run.lastSeq >= Math.max(...acked));
      assert.ok((await store.chunkCount('run_crash', 'log')) >= acked.length - 1);
      // The store keeps working: seq and chunk idx continue.
      const [res] = await store.write([{ kind: 'chunks', runId: 'run_crash', key: 'log', bodies: ['"after"'] }]);
      assert.ok(res?.ok);
      assert.equal(res.chunks?.[0]?.idx, (await store.chunkCount('run_crash', 'log')) - 1);
    } finally {
      await store.close();
      await lock.release();
    }
  });

  it('never removes the SQLite lock of a live engine, and clears it once that engine is dead', async () => {
    const dir = tempRunlightDir();
    cleanup.push(dir);
    const { child, lines } = startChild(dir, 'hold');
    children.push(child);
    assert.equal((await lines.next()).value, 'ready');

    await assert.rejects(acquireWorkspaceLock(dir), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ENGINE_RUNNING');
      assert.equal(
        err.message,
        `Another Runlight engine (pid ${child.pid}) is already running for this workspace (${join(dir, '..')}); stop it or attach to it.`,
      );
      return true;
    });
    await assert.rejects(new SqliteRunStore({ file: join(dir, 'runlight.db') }).open(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DB_LOCKED');
      assert.match(err.message, /locked/);
      return true;
    });
    if (lockDirs) assert.ok(existsSync(join(dir, 'runlight.db.lock')), 'the live lock is still there');
    assert.equal(child.exitCode, null, 'the owner is still running');

    await killed(child);
    const lock = await acquireWorkspaceLock(dir);
    const store = await openStore(undefined, dir);
    assert.equal(await store.headSeq(), 0);
    await store.close();
    await lock.release();
    assert.ok(!existsSync(join(dir, 'runlight.db.lock')));
    assert.ok(!existsSync(join(dir, 'engine.lock')));
  });

  it('refuses a stale-looking SQLite lock unless this process holds the workspace lock', async () => {
    const dir = tempRunlightDir();
    cleanup.push(dir);
    mkdirSync(join(dir, 'runlight.db.lock'), { recursive: true });
    const file = join(dir, 'runlight.db');
    await assert.rejects(new SqliteRunStore({ file }).open(), { code: 'DB_LOCKED' });
    assert.ok(existsSync(join(dir, 'runlight.db.lock')));
    const lock = await acquireWorkspaceLock(dir);
    assert.equal(holdsWorkspaceLock(dir), true);
    const store = new SqliteRunStore({ file });
    await store.open();
    // A second connection in this same process is refused, even though we hold the workspace lock.
    await assert.rejects(new SqliteRunStore({ file }).open(), /already open in this process/);
    await store.close();
    await lock.release();
    assert.equal(holdsWorkspaceLock(dir), false);
  });

  it('keeps the WAL bounded: no read leaves a statement holding a snapshot, checkpoints complete', async () => {
    const dir = tempRunlightDir();
    cleanup.push(dir);
    const file = join(dir, 'runlight.db');
    const store = new SqliteRunStore({ file, walAutocheckpoint: 100 });
    await store.open();
    try {
      const r = newRunRecord({ id: 'run_w', taskIdentifier: 't', idempotencyKey: 'k', maxAttempts: 1, number: 1, now: new Date().toISOString() });
      await store.write([{ kind: 'create', record: r }]);
      for (let i = 0; i < 1500; i++) {
        await store.write([
          { kind: 'update', runId: 'run_w', apply: (rec) => withMetadata(rec, { i }, rec.run.updatedAt) },
          { kind: 'chunks', runId: 'run_w', key: 'k', bodies: [String(i)] },
        ]);
        // Every read path, between writes.
        await store.getRun('run_w');
        await store.findByIdempotencyKey('t', 'k');
        await store.listRuns({}, { size: 1, after: 'run_w' });
        await store.headSeq();
        await store.chunkCount('run_w', 'k');
      }
      // ≈ 5 pages per commit: without working checkpoints this WAL would be ≈ 30 MB.
      assert.ok(statSync(`${file}-wal`).size < 4_000_000, `WAL grew to ${statSync(`${file}-wal`).size} bytes`);
      await store.getRun('run_w');
      await store.checkpoint();
      assert.equal(statSync(`${file}-wal`).size, 0);
    } finally {
      await store.close();
    }
  });

  it('gives the space of pruned runs back: the file shrinks; a file from before retention is converted once', async () => {
    const dir = tempRunlightDir();
    cleanup.push(dir);
    const file = join(dir, 'runlight.db');
    // A file as an older Runlight left it: no auto_vacuum.
    const raw = new SqliteRunStore({ file });
    await raw.open();
    await raw.close();
    const { openDatabase } = await import('../../../../src/engine/store/sqlite/driver');
    const plain = openDatabase(file, chooseDriver());
    plain.exec('PRAGMA locking_mode = EXCLUSIVE'); // WAL without shared memory, as the store opens it
    plain.exec('PRAGMA auto_vacuum = NONE');
    plain.exec('VACUUM');
    assert.equal(plain.get('PRAGMA auto_vacuum')?.['auto_vacuum'], 0);
    plain.close();

    const store = new SqliteRunStore({ file });
    await store.open();
    try {
      const body = JSON.stringify('x'.repeat(2000));
      const t0 = Date.parse('2030-01-01T00:00:00Z');
      for (let i = 0; i < 600; i++) {
        const r = newRunRecord({ id: `run_${i}`, taskIdentifier: 't', tags: ['a', 'b'], maxAttempts: 1, number: i, now: new Date(t0 + i).toISOString() });
        await store.write([
          { kind: 'create', record: r },
          { kind: 'chunks', runId: r.run.id, key: 'out', bodies: [body, body] },
          { kind: 'update', runId: r.run.id, apply: (rec) => withStatus(rec, { status: 'COMPLETED', now: rec.run.createdAt }) },
        ]);
      }
      await store.checkpoint();
      const before = statSync(file).size;
      let removed = 0;
      for (let n = -1; n !== 0; removed += n) n = await store.pruneRuns({ createdBefore: t0 + 500 }, 200);
      assert.equal(removed, 500);
      await store.reclaim(100_000);
      await store.checkpoint();
      const after = statSync(file).size;
      assert.ok(after < before * 0.4, `file ${before} → ${after} bytes`);
      assert.equal((await store.listRuns({}, { size: 1000 })).length, 100);
    } finally {
      await store.close();
    }
  });

  it('survives FULL synchronous mode and custom checkpointing options', async () => {
    const dir = tempRunlightDir();
    cleanup.push(dir);
    const store = new SqliteRunStore({ file: join(dir, 'runlight.db'), synchronous: 'FULL', walAutocheckpoint: 100 });
    await store.open();
    await store.write([{ kind: 'batch', batchId: 'b', runIds: [], createdAt: new Date().toISOString() }]);
    await store.checkpoint();
    await store.close();
  });
});

describe('workspace lock', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(join(d, '..'), { recursive: true, force: true });
  });
  const fresh = (): string => {
    const d = tempRunlightDir();
    dirs.push(d);
    return d;
  };

  it('creates the lock file with pid and startedAt, refuses a second holder, frees on release', async () => {
    const dir = fresh();
    const lock = await acquireWorkspaceLock(dir);
    const content = JSON.parse(readFileSync(join(dir, 'engine.lock'), 'utf8')) as { pid: number; startedAt: string };
    assert.equal(content.pid, process.pid);
    assert.ok(!Number.isNaN(Date.parse(content.startedAt)));
    await assert.rejects(acquireWorkspaceLock(dir), (err: Error & { code?: string; pid?: number }) => {
      assert.equal(err.code, 'ENGINE_RUNNING');
      assert.equal(err.pid, process.pid);
      assert.equal(
        err.message,
        `Another Runlight engine (pid ${process.pid}) is already running for this workspace (${join(dir, '..')}); stop it or attach to it.`,
      );
      return true;
    });
    await lock.release();
    await lock.release();
    assert.ok(!existsSync(join(dir, 'engine.lock')));
    const again = await acquireWorkspaceLock(dir);
    await again.release();
  });

  it('takes over the lock of a dead pid, of a pid from before the last boot, and a corrupt lock', async () => {
    const dir = fresh();
    const file = join(dir, 'engine.lock');
    const deadPid = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ['-e', '0']);
      c.on('exit', () => resolve(c.pid ?? 0));
    });
    mkdirSync(dir, { recursive: true });
    for (const stale of [
      JSON.stringify({ pid: deadPid, startedAt: new Date().toISOString() }),
      // Our own (live) pid, but written before the machine booted: pid reuse, not us.
      JSON.stringify({ pid: process.pid, startedAt: '2000-01-01T00:00:00.000Z' }),
      'garbage{',
    ]) {
      writeFileSync(file, stale);
      const lock = await acquireWorkspaceLock(dir);
      assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid, process.pid);
      await lock.release();
    }
  });

  it('release leaves a lock it no longer owns alone', async () => {
    const dir = fresh();
    const lock = await acquireWorkspaceLock(dir);
    const foreign = JSON.stringify({ pid: 1, startedAt: new Date().toISOString() });
    writeFileSync(join(dir, 'engine.lock'), foreign);
    assert.equal(holdsWorkspaceLock(dir), false);
    await lock.release();
    assert.equal(readFileSync(join(dir, 'engine.lock'), 'utf8'), foreign);
  });
});
