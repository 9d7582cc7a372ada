import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  chooseDriver,
  openDatabase,
  type Row as QueryResult,
  type SqlDatabase as Database,
  type SqliteDriver,
  type SqlValue as SQLiteValue,
} from './sqlite/driver';
import type { StoredChunk } from '../../protocol/chunk';
import { claimUpdates } from '../runs/model';
import {
  decodeRecord,
  decodeTags,
  limitOf,
  SCHEDULE_COLUMNS,
  scheduleFromRow,
  schedulePatchColumns,
  scheduleRowValues,
  TOKEN_COLUMNS,
  tokenFromRow,
  tokenRowValues,
  delayedUntilMs,
  encodeRecord,
  epochMs,
  eventOf,
  normalizeFilter,
  queueOf,
  concurrencyKeyOf,
  queuedOrder,
  runNotFound,
  sameTags,
} from './codec';
import { ClaimBook } from './claim';
import { clearStaleLockDir, dbLocked } from './sqlite/lock-dir';
import { explainWriteError } from './sqlite/disk-full';
import { filterClauses, where } from './sqlite/filter';
import { int, intOrNull, text, textOrNull } from './sqlite/rows';
import { migrate } from './sqlite/schema';
import { COUNT_BOUNDARY_SQL, pruneWhere } from './prune';
import { StatementCache } from './sqlite/statements';
import {
  HISTORY_EVENT_TYPES,
  IdempotencyKeyTaken,
  StoreRefusal,
  type ClaimReport,
  type ClaimedRun,
  type QueueLimit,
  type Page,
  type RunEvent,
  type RunFilter,
  type RunRecord,
  type RunStore,
  type RunUpdate,
  type ScheduleFilter,
  type SchedulePatch,
  type ScheduleRecord,
  type TokenSettlement,
  type WaitTokenFilter,
  type PrunePolicy,
  type WaitTokenRecord,
  type WriteOp,
  type WriteResult,
} from './types';
import { asError } from '../../shared/errors';

export interface SqliteStoreOptions {
  /** Database file (its folder is created). Always a real file. */
  file: string;
  /**
   * `NORMAL` (default): in WAL mode a commit is in the OS before `write` resolves, so it survives
   * `kill -9` of the process; only an OS crash or power loss can drop the newest commits.
   * `FULL`: fsync on every commit, survives power loss too (several times slower).
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** WAL pages (4 KiB) before an automatic checkpoint; smaller = shorter but more frequent pauses. */
  walAutocheckpoint?: number;
  /** The SQLite library: by default node:sqlite where the runtime has it, else node-sqlite3-wasm (see `chooseDriver`). */
  driver?: SqliteDriver;
}

/**
 * Pruned pages go back to the file system only with `auto_vacuum = INCREMENTAL`. A new file takes it before its first
 * table; a file from before retention existed is rebuilt once (VACUUM) to take it.
 */
function useIncrementalVacuum(db: Database): void {
  const INCREMENTAL = 2;
  if (db.get('PRAGMA auto_vacuum')?.['auto_vacuum'] === INCREMENTAL) return;
  db.exec('PRAGMA auto_vacuum = INCREMENTAL');
  if (db.get("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' LIMIT 1")) db.exec('VACUUM');
}

/** Files this process has open, to refuse a second connection (the first holds the exclusive lock). */
const openFiles = new Set<string>();

const CHUNK_CACHE_MAX = 10_000;

/**
 * The embedded store: node:sqlite where the runtime has it, else node-sqlite3-wasm (synchronous WASM with real file
 * I/O) — the same file either way; WAL journal with `locking_mode=EXCLUSIVE` (no shared memory; one engine owns the
 * file). Every method runs synchronously on the calling thread and returns a settled promise.
 */
export class SqliteRunStore implements RunStore {
  readonly file: string;
  /** The SQLite library in use. */
  readonly driver: SqliteDriver;
  private readonly synchronous: 'NORMAL' | 'FULL';
  private readonly walAutocheckpoint: number;
  private db: Database | undefined;
  private stmts: StatementCache | undefined;
  /**
   * Whether any queue has a limit (the store owns its file alone, so this stays true to the table): without one,
   * a claim is the plain ordered read it was before queues had limits.
   */
  private anyQueueLimit = false;
  /** Statements run through `run` (and chunk inserts): a failed op that moved it wrote part of itself. */
  private writes = 0;
  /** `${runId}\u0000${key}` → next chunk idx, for committed data only. */
  private readonly nextIdx = new Map<string, number>();

  constructor(options: SqliteStoreOptions) {
    this.file = resolve(options.file);
    this.synchronous = options.synchronous ?? 'NORMAL';
    this.walAutocheckpoint = options.walAutocheckpoint ?? 1000;
    this.driver = options.driver ?? chooseDriver();
  }

  async open(): Promise<void> {
    if (this.db) return;
    mkdirSync(dirname(this.file), { recursive: true });
    // One connection per file and process (it holds the exclusive lock).
    if (openFiles.has(this.file)) throw dbLocked(this.file, true);
    clearStaleLockDir(this.file, false);
    // A node-sqlite3-wasm engine locks with a `<db>.lock` folder: a stale one is cleared (or a live one refused)
    // whichever library opens the file now.
    const db = openDatabase(this.file, this.driver);
    try {
      // Must come first: WAL without shared memory needs the exclusive lock before the first access.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      const mode = db.get('PRAGMA journal_mode = WAL');
      if (mode?.['journal_mode'] !== 'wal') throw new Error(`store: could not switch ${this.file} to WAL mode`);
      db.exec(`PRAGMA synchronous = ${this.synchronous}`);
      db.exec(`PRAGMA wal_autocheckpoint = ${Math.max(0, Math.floor(this.walAutocheckpoint))}`);
      db.exec('PRAGMA journal_size_limit = 67108864');
      db.exec('PRAGMA cache_size = -32000');
      db.exec('PRAGMA temp_store = MEMORY');
      db.exec('PRAGMA foreign_keys = OFF');
      useIncrementalVacuum(db);
      migrate(db, this.file);
    } catch (err) {
      db.close();
      if (err instanceof Error && /database is locked/i.test(err.message)) throw dbLocked(this.file, false);
      throw err;
    }
    this.db = db;
    this.stmts = new StatementCache(db);
    openFiles.add(this.file);
    this.anyQueueLimit = this.first('SELECT 1 AS x FROM queue_limits LIMIT 1') !== undefined;
  }

  async close(): Promise<void> {
    const db = this.db;
    if (!db) return;
    this.stmts?.clear();
    this.stmts = undefined;
    this.db = undefined;
    this.nextIdx.clear();
    openFiles.delete(this.file);
    db.close();
  }

  /**
   * One transaction for the group, ops applied without a savepoint each (two statements per op saved). An op refused
   * before it wrote anything (a refusal, a missing run: every StoreRefusal is thrown before the op's first write)
   * just fails; one that fails after writing part of itself has the group rolled back and applied again with a
   * savepoint per op, so only that op fails.
   */
  async write(ops: WriteOp[]): Promise<WriteResult[]> {
    try {
      return await this.transaction(() => this.applyOps(ops, false));
    } catch (e) {
      if (!(e instanceof GroupRetry)) throw e;
      return this.transaction(() => this.applyOps(ops, true));
    }
  }

  private applyOps(ops: readonly WriteOp[], savepoints: boolean): { value: WriteResult[]; staged: Map<string, number> } {
    const results: WriteResult[] = [];
    const staged = new Map<string, number>();
    for (const op of ops) {
      const opStaged = new Map<string, number>();
      if (!savepoints) {
        const writesBefore = this.writes;
        try {
          results.push(this.applyOp(op, staged, opStaged));
        } catch (err) {
          if (this.writes !== writesBefore) throw new GroupRetry(err);
          results.push({ ok: false, error: asError(err) });
          continue;
        }
        for (const [k, v] of opStaged) staged.set(k, v);
        continue;
      }
      this.run('SAVEPOINT op');
      try {
        const result = this.applyOp(op, staged, opStaged);
        this.run('RELEASE op');
        for (const [k, v] of opStaged) staged.set(k, v);
        results.push(result);
      } catch (err) {
        this.run('ROLLBACK TO op');
        this.run('RELEASE op');
        results.push({ ok: false, error: asError(err) });
      }
    }
    return { value: results, staged };
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.loadRecord(id);
  }

  async findByIdempotencyKey(taskIdentifier: string, key: string, now = Date.now()): Promise<RunRecord | undefined> {
    const row = this.first(
      'SELECT data FROM runs WHERE task_identifier = ? AND idempotency_key = ? AND (idempotency_key_expires_at IS NULL OR idempotency_key_expires_at > ?) ' +
        'ORDER BY created_at DESC, id DESC LIMIT 1',
      [taskIdentifier, key, now],
    );
    return row ? decodeRecord(text(row, 'data')) : undefined;
  }

  async listRuns(filter: RunFilter, page: Page): Promise<RunRecord[]> {
    const { clauses, params } = filterClauses(normalizeFilter(filter));
    if (page.after !== undefined) {
      const cursor = this.first('SELECT created_at FROM runs WHERE id = ?', [page.after]);
      if (!cursor) return [];
      const createdAt = int(cursor, 'created_at');
      clauses.push('(r.created_at < ? OR (r.created_at = ? AND r.id < ?))');
      params.push(createdAt, createdAt, page.after);
    }
    const rows = this.stmt(`SELECT r.data FROM runs r ${where(clauses)} ORDER BY r.created_at DESC, r.id DESC LIMIT ?`).all([...params, limitOf(page.size)]);
    return rows.map((row) => decodeRecord(text(row, 'data')));
  }

  async snapshot(filter: RunFilter, limit: number): Promise<RunRecord[]> {
    const { clauses, params } = filterClauses(normalizeFilter(filter));
    const rows = this.stmt(`SELECT r.data FROM runs r ${where(clauses)} ORDER BY r.last_seq ASC LIMIT ?`).all([...params, limitOf(limit)]);
    return rows.map((row) => decodeRecord(text(row, 'data')));
  }

  async headSeq(): Promise<number> {
    const row = this.first('SELECT COALESCE(MAX(seq), 0) AS head FROM run_events');
    return row ? int(row, 'head') : 0;
  }

  async eventsAfter(afterSeq: number, filter: RunFilter, limit: number): Promise<RunEvent[]> {
    const f = normalizeFilter(filter);
    const { clauses, params } = filterClauses(f);
    let sql: string;
    if (clauses.length === 0) {
      sql = 'SELECT e.seq, e.run_id, e.type, e.tags, e.batch_id, e.data FROM run_events e WHERE e.seq > ?';
    } else {
      // The run_id test on run_events lets SQLite use run_events(run_id, seq) for per-run feeds.
      const byRun = f.runIds ? ' AND e.run_id IN (SELECT value FROM json_each(?))' : '';
      sql =
        'SELECT e.seq, e.run_id, e.type, e.tags, e.batch_id, e.data FROM run_events e JOIN runs r ON r.id = e.run_id ' +
        `WHERE e.seq > ?${byRun} AND ${clauses.join(' AND ')}`;
      if (f.runIds) params.unshift(JSON.stringify(f.runIds));
    }
    const rows = this.stmt(`${sql} ORDER BY e.seq ASC LIMIT ?`).all([afterSeq, ...params, limitOf(limit)]);
    return rows.map(eventFromRow);
  }

  async runHistory(runId: string, limit: number): Promise<RunEvent[]> {
    // run_events(run_id, seq) finds the run's rows in order; the type test skips metadata, tags and stream events.
    const types = HISTORY_EVENT_TYPES.map(() => '?').join(', ');
    const rows = this.stmt(
      `SELECT e.seq, e.run_id, e.type, e.tags, e.batch_id, e.data FROM run_events e WHERE e.run_id = ? AND e.type IN (${types}) ORDER BY e.seq ASC LIMIT ?`,
    ).all([runId, ...HISTORY_EVENT_TYPES, limitOf(limit)]);
    return rows.map(eventFromRow);
  }

  async chunksAfter(runId: string, key: string, afterIdx: number, limit: number): Promise<StoredChunk[]> {
    const rows = this.stmt('SELECT idx, body FROM stream_chunks WHERE run_id = ? AND key = ? AND idx > ? ORDER BY idx ASC LIMIT ?').all([
      runId,
      key,
      afterIdx,
      limitOf(limit),
    ]);
    return rows.map((row) => ({ idx: int(row, 'idx'), body: text(row, 'body') }));
  }

  async chunkCount(runId: string, key: string): Promise<number> {
    const row = this.first('SELECT COUNT(*) AS n FROM stream_chunks WHERE run_id = ? AND key = ?', [runId, key]);
    return row ? int(row, 'n') : 0;
  }

  async claimQueued(
    node: string,
    limit: number,
    now: number,
    leaseMs: number,
    options: { startAttempt?: boolean; report?: ClaimReport } = {},
  ): Promise<ClaimedRun[]> {
    return this.transaction(() => {
      const { claimed, blocked } = this.claim({ kind: 'claim', node, limit, now, leaseMs, startAttempt: options.startAttempt ?? false });
      if (options.report) options.report.blocked = blocked;
      return { value: claimed };
    });
  }

  async setQueueLimits(queues: readonly QueueLimit[]): Promise<void> {
    await this.transaction(() => {
      this.run('DELETE FROM queue_limits');
      for (const q of queues) this.run('INSERT OR REPLACE INTO queue_limits (name, concurrency_limit) VALUES (?, ?)', [q.name, q.concurrencyLimit]);
      return { value: undefined };
    });
    this.anyQueueLimit = queues.length > 0;
  }

  async queueLimits(): Promise<QueueLimit[]> {
    return this.stmt('SELECT name, concurrency_limit FROM queue_limits ORDER BY name')
      .all()
      .map((row) => ({ name: text(row, 'name'), concurrencyLimit: int(row, 'concurrency_limit') }));
  }

  async useTokenOnce(hash: string, expiresAt: number): Promise<boolean> {
    const res = this.stmt('INSERT OR IGNORE INTO used_tokens (hash, used_at, expires_at) VALUES (?, ?, ?)').run([hash, Date.now(), expiresAt]);
    return res.changes === 1;
  }

  async createToken(token: WaitTokenRecord, now: number): Promise<{ token: WaitTokenRecord; isCached: boolean }> {
    const tags = [...new Set(token.tags)];
    return this.transaction<{ token: WaitTokenRecord; isCached: boolean }>(() => {
      if (token.idempotencyKey !== undefined) {
        const row = this.first(
          'SELECT * FROM wait_tokens WHERE idempotency_key = ? AND (idempotency_key_expires_at IS NULL OR idempotency_key_expires_at > ?) ' +
            'ORDER BY created_at DESC, id DESC LIMIT 1',
          [token.idempotencyKey, now],
        );
        if (row) return { value: { token: tokenOf(row), isCached: true } };
      }
      this.run(`INSERT INTO wait_tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tokenRowValues(token, JSON.stringify(tags)));
      return { value: { token: { ...token, tags }, isCached: false } };
    });
  }

  async getToken(id: string): Promise<WaitTokenRecord | undefined> {
    const row = this.first('SELECT * FROM wait_tokens WHERE id = ?', [id]);
    return row ? tokenOf(row) : undefined;
  }

  async settleToken(id: string, settlement: TokenSettlement, now: number): Promise<{ token: WaitTokenRecord; settled: boolean } | undefined> {
    return this.transaction(() => {
      const output = settlement.status === 'COMPLETED' ? (settlement.output ?? null) : null;
      const res = this.run("UPDATE wait_tokens SET status = ?, completed_at = ?, output = ? WHERE id = ? AND status = 'WAITING'", [
        settlement.status,
        now,
        output,
        id,
      ]);
      const row = this.first('SELECT * FROM wait_tokens WHERE id = ?', [id]);
      return { value: row ? { token: tokenOf(row), settled: res.changes === 1 } : undefined };
    });
  }

  async timeOutDueTokens(now: number): Promise<string[]> {
    return this.transaction(() => {
      const rows = this.stmt("SELECT id FROM wait_tokens WHERE status = 'WAITING' AND timeout_at IS NOT NULL AND timeout_at <= ?").all([now]);
      const ids = rows.map((row) => text(row, 'id'));
      if (ids.length) {
        this.run("UPDATE wait_tokens SET status = 'TIMED_OUT', completed_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND status = 'WAITING'", [
          now,
          JSON.stringify(ids),
        ]);
      }
      return { value: ids };
    });
  }

  async listTokens(filter: WaitTokenFilter, page: Page): Promise<WaitTokenRecord[]> {
    const clauses: string[] = [];
    const params: SQLiteValue[] = [];
    if (filter.status) {
      clauses.push('t.status IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.status));
    }
    if (filter.idempotencyKey !== undefined) {
      clauses.push('t.idempotency_key = ?');
      params.push(filter.idempotencyKey);
    }
    if (filter.tags?.length) {
      const tags = [...new Set(filter.tags)];
      clauses.push('(SELECT COUNT(*) FROM json_each(t.tags) WHERE value IN (SELECT value FROM json_each(?))) = ?');
      params.push(JSON.stringify(tags), tags.length);
    }
    if (filter.createdAfter !== undefined) {
      clauses.push('t.created_at >= ?');
      params.push(filter.createdAfter);
    }
    if (page.after !== undefined) {
      const cursor = this.first('SELECT created_at FROM wait_tokens WHERE id = ?', [page.after]);
      if (!cursor) return [];
      const createdAt = int(cursor, 'created_at');
      clauses.push('(t.created_at < ? OR (t.created_at = ? AND t.id < ?))');
      params.push(createdAt, createdAt, page.after);
    }
    const rows = this.stmt(`SELECT t.* FROM wait_tokens t ${where(clauses)} ORDER BY t.created_at DESC, t.id DESC LIMIT ?`).all([
      ...params,
      limitOf(page.size),
    ]);
    return rows.map(tokenOf);
  }

  async upsertSchedule(schedule: ScheduleRecord): Promise<{ schedule: ScheduleRecord; created: boolean }> {
    return this.transaction<{ schedule: ScheduleRecord; created: boolean }>(() => {
      const existing = this.first('SELECT id FROM schedules WHERE deduplication_key = ?', [schedule.deduplicationKey]);
      if (existing) {
        const id = text(existing, 'id');
        this.run(
          'UPDATE schedules SET task_identifier = ?, cron = ?, timezone = ?, external_id = ?, ' +
            'next_tick_at = CASE WHEN active = 1 THEN ? ELSE NULL END, updated_at = ? WHERE id = ?',
          [schedule.taskIdentifier, schedule.cron, schedule.timezone, schedule.externalId ?? null, schedule.nextTickAt ?? null, schedule.updatedAt, id],
        );
        return { value: { schedule: scheduleOf(this.first('SELECT * FROM schedules WHERE id = ?', [id])!), created: false } };
      }
      this.run(
        `INSERT INTO schedules (${SCHEDULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        scheduleRowValues(schedule, (b) => (b ? 1 : 0)),
      );
      return { value: { schedule: { ...schedule }, created: true } };
    });
  }

  async getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    const row = this.first('SELECT * FROM schedules WHERE id = ?', [id]);
    return row ? scheduleOf(row) : undefined;
  }

  async listSchedules(filter: ScheduleFilter, offset: number, limit: number): Promise<{ schedules: ScheduleRecord[]; total: number }> {
    const clauses: string[] = [];
    const params: SQLiteValue[] = [];
    if (filter.type !== undefined) {
      clauses.push('type = ?');
      params.push(filter.type);
    }
    if (filter.taskIdentifier !== undefined) {
      clauses.push('task_identifier = ?');
      params.push(filter.taskIdentifier);
    }
    const count = this.first(`SELECT COUNT(*) AS n FROM schedules ${where(clauses)}`, params);
    const rows = this.stmt(`SELECT * FROM schedules ${where(clauses)} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`).all([
      ...params,
      limitOf(limit),
      limitOf(offset),
    ]);
    return { schedules: rows.map(scheduleOf), total: count ? int(count, 'n') : 0 };
  }

  async updateSchedule(id: string, patch: SchedulePatch): Promise<ScheduleRecord | undefined> {
    return this.transaction(() => {
      const cols = schedulePatchColumns(patch);
      const values = cols.map(([, v]) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
      const res = this.run(`UPDATE schedules SET ${cols.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`, [...values, id]);
      if (res.changes === 0) return { value: undefined };
      return { value: scheduleOf(this.first('SELECT * FROM schedules WHERE id = ?', [id])!) };
    });
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return this.run('DELETE FROM schedules WHERE id = ?', [id]).changes === 1;
  }

  async dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]> {
    const rows = this.stmt(
      'SELECT * FROM schedules WHERE active = 1 AND next_tick_at IS NOT NULL AND next_tick_at <= ? ORDER BY next_tick_at ASC, id ASC LIMIT ?',
    ).all([now, limitOf(limit)]);
    return rows.map(scheduleOf);
  }

  async claimScheduleTick(id: string, tickAt: number, nextTickAt: number, fired: boolean): Promise<boolean> {
    const res = this.run(
      'UPDATE schedules SET next_tick_at = ?, last_tick_at = CASE WHEN ? = 1 THEN ? ELSE last_tick_at END WHERE id = ? AND active = 1 AND next_tick_at = ?',
      [nextTickAt, fired ? 1 : 0, tickAt, id, tickAt],
    );
    return res.changes === 1;
  }

  /**
   * Runs holding a lease that ended before `now` (status DEQUEUED, EXECUTING or WAITING), oldest lease first:
   * what a restarted engine must requeue or fail. Not part of RunStore; the Postgres driver has the same.
   */
  async expiredLeases(now: number, limit: number): Promise<RunRecord[]> {
    const rows = this.stmt(
      "SELECT data FROM runs WHERE lease_until IS NOT NULL AND lease_until < ? AND status IN ('DEQUEUED', 'EXECUTING', 'WAITING') ORDER BY lease_until ASC LIMIT ?",
    ).all([now, limitOf(limit)]);
    return rows.map((row) => decodeRecord(text(row, 'data')));
  }

  /**
   * Extends the leases of runs `node` still holds (locked_by = node), in one transaction and without
   * an event. The stored record's `leaseUntil` moves with the column, so reads stay consistent.
   */
  async renewLeases(node: string, runIds: readonly string[], until: number): Promise<void> {
    if (runIds.length === 0) return;
    await this.transaction(() => {
      this.run("UPDATE runs SET lease_until = ?, data = json_set(data, '$.leaseUntil', ?) WHERE id IN (SELECT value FROM json_each(?)) AND locked_by = ?", [
        until,
        until,
        JSON.stringify(runIds),
        node,
      ]);
      return { value: undefined };
    });
  }

  async pruneRuns(policy: PrunePolicy, limit: number): Promise<number> {
    return this.transaction(() => {
      const edge = policy.keepNewest !== undefined ? this.first(COUNT_BOUNDARY_SQL + String(Math.max(0, Math.floor(policy.keepNewest)))) : undefined;
      const chosen = pruneWhere(policy, edge ? { createdAt: int(edge, 'created_at'), id: text(edge, 'id') } : undefined, () => '?');
      if (!chosen) return { value: 0 };
      const rows = this.stmt(`SELECT id, batch_id FROM runs WHERE ${chosen.sql} ORDER BY created_at, id LIMIT ?`).all([...chosen.params, limitOf(limit)]);
      if (rows.length === 0) return { value: 0 };
      const ids = JSON.stringify(rows.map((r) => text(r, 'id')));
      const batches = JSON.stringify([...new Set(rows.map((r) => textOrNull(r, 'batch_id')).filter((b) => b !== null))]);
      const inIds = 'IN (SELECT value FROM json_each(?))';
      this.run(`DELETE FROM run_tags WHERE run_id ${inIds}`, [ids]);
      this.run(`DELETE FROM run_events WHERE run_id ${inIds}`, [ids]);
      this.run(`DELETE FROM stream_chunks WHERE run_id ${inIds}`, [ids]);
      this.run(`DELETE FROM runs WHERE id ${inIds}`, [ids]);
      this.run(`DELETE FROM batches WHERE id ${inIds} AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.batch_id = batches.id)`, [batches]);
      return { value: rows.length };
    });
  }

  async pruneSpent(now: number, settledBefore: number | undefined, limit: number): Promise<number> {
    return this.transaction(() => {
      const max = limitOf(limit);
      let removed = this.run('DELETE FROM used_tokens WHERE hash IN (SELECT hash FROM used_tokens WHERE expires_at < ? LIMIT ?)', [now, max]).changes;
      if (settledBefore !== undefined && removed < max) {
        removed += this.run(
          "DELETE FROM wait_tokens WHERE id IN (SELECT id FROM wait_tokens WHERE status <> 'WAITING' AND completed_at < ? ORDER BY completed_at LIMIT ?)",
          [settledBefore, max - removed],
        ).changes;
      }
      return { value: removed };
    });
  }

  /** Incremental vacuum: up to `pages` free pages go back to the file system, so the file shrinks after a prune. */
  async reclaim(pages: number): Promise<boolean> {
    const db = this.database();
    db.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
    const free = db.get('PRAGMA freelist_count')?.['freelist_count'];
    return typeof free === 'number' && free > 0;
  }

  /** Forces a WAL checkpoint (TRUNCATE), e.g. when the engine is idle. */
  async checkpoint(): Promise<void> {
    this.database().exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  // ---- internals ----

  private database(): Database {
    if (!this.db) throw new Error('store: SQLite store is not open');
    return this.db;
  }

  private stmt(sql: string) {
    this.database();
    if (!this.stmts) throw new Error('store: SQLite store is not open');
    return this.stmts.get(sql);
  }

  /**
   * First row of a query, stepping the statement to completion. Never `Statement.get()` on a cached
   * statement: it stops after one row and leaves the statement active, which pins a read snapshot,
   * so checkpoints cannot reset the WAL and it grows without bound.
   */
  private first(sql: string, params?: SQLiteValue[]): QueryResult | undefined {
    return this.stmt(sql).all(params)[0];
  }

  /** Runs a statement that may write (counted: `write` tells whether a failed op wrote part of itself). */
  private run(sql: string, params?: SQLiteValue[]) {
    this.writes++;
    return this.stmt(sql).run(params);
  }

  /** One transaction; chunk idx cache updates become visible only after COMMIT. */
  private transaction<T>(body: () => { value: T; staged?: Map<string, number> }): Promise<T> {
    let out: { value: T; staged?: Map<string, number> };
    try {
      this.run('BEGIN IMMEDIATE');
      out = body();
      this.run('COMMIT');
    } catch (err) {
      try {
        if (this.db?.inTransaction) this.run('ROLLBACK');
      } catch {
        // SQLite already rolled back (e.g. after an I/O error).
      }
      // A cached statement whose step failed (disk full, read-only) throws on its next reset ("Could not reset
      // statement prior to binding new values"), failing the next write too: prepare them afresh.
      this.stmts?.clear();
      this.nextIdx.clear();
      // An op of a group failed: the group is applied again, op by op (an error of the store as a whole fails again there).
      if (err instanceof GroupRetry) return Promise.reject(err);
      return Promise.reject(explainWriteError(asError(err), dirname(this.file)));
    }
    if (out.staged) {
      if (this.nextIdx.size + out.staged.size > CHUNK_CACHE_MAX) this.nextIdx.clear();
      for (const [k, v] of out.staged) this.nextIdx.set(k, v);
    }
    return Promise.resolve(out.value);
  }

  private applyOp(op: WriteOp, staged: Map<string, number>, opStaged: Map<string, number>): WriteResult {
    switch (op.kind) {
      case 'create':
        return { ok: true, event: this.insertRun(op.record) };
      case 'batch':
        this.insertBatch(op.batchId, op.runIds.length, op.createdAt);
        return { ok: true };
      case 'update': {
        const record = this.loadRecord(op.runId);
        if (!record) throw runNotFound(op.runId);
        const update = op.apply(record);
        return update ? { ok: true, event: this.commitUpdates(record, [update])[0] } : { ok: true };
      }
      case 'claim': {
        const { claimed, blocked } = this.claim(op);
        return { ok: true, claimed, blocked };
      }
      case 'chunks': {
        const record = this.loadRecord(op.runId);
        if (!record) throw runNotFound(op.runId);
        const update = op.apply?.(record);
        const event = update ? this.commitUpdates(record, [update])[0] : undefined;
        const chunks = this.insertChunks(op.runId, op.key, op.bodies, staged, opStaged);
        return event ? { ok: true, event, chunks } : { ok: true, chunks };
      }
    }
  }

  /**
   * Takes due queued runs in queue order, a page at a time: the page query leaves out groups (queue + key) at
   * their limit, `ClaimBook` counts this claim's own picks and passes over runs of groups they fill.
   */
  private claim(op: Extract<WriteOp, { kind: 'claim' }>): { claimed: ClaimedRun[]; blocked: boolean } {
    const claimed: ClaimedRun[] = [];
    const take = (data: string): void => {
      const record = decodeRecord(data);
      const updates = claimUpdates(record, op.node, op.now, op.leaseMs, op.startAttempt);
      if (updates.length) claimed.push({ record: updates.at(-1)!.record, events: this.commitUpdates(record, updates) });
    };
    if (!this.anyQueueLimit) {
      for (const row of this.stmt(CLAIM_UNLIMITED_SQL).all([op.now, limitOf(op.limit)])) take(text(row, 'data'));
      return { claimed, blocked: false };
    }
    const book = new ClaimBook(limitOf(op.limit));
    const page = this.stmt(CLAIM_PAGE_SQL);
    const count = this.stmt("SELECT COUNT(*) AS n FROM runs WHERE queue = ? AND concurrency_key = ? AND status IN ('DEQUEUED', 'EXECUTING')");
    for (;;) {
      const wanted = book.limit - claimed.length;
      if (wanted <= 0) break;
      const { order, id } = book.cursor;
      const rows = page.all([op.now, book.filledJson(), order, order, id, wanted]);
      for (const row of rows) {
        const queue = text(row, 'queue');
        const concurrencyKey = text(row, 'concurrency_key');
        const c = { id: text(row, 'id'), order: int(row, 'queued_order'), queue, concurrencyKey, limit: intOrNull(row, 'lim') };
        if (book.admit(c, () => int(count.all([queue, concurrencyKey])[0]!, 'n'))) take(text(row, 'data'));
      }
      if (!book.more(claimed.length, rows.length, wanted)) break;
    }
    // Runs the page query left out (their group was already full) were passed over too.
    const blocked = book.blocked || (claimed.length < book.limit && this.first(CLAIM_BLOCKED_SQL, [op.now]) !== undefined);
    return { claimed, blocked };
  }

  private loadRecord(id: string): RunRecord | undefined {
    const row = this.first('SELECT data FROM runs WHERE id = ?', [id]);
    return row ? decodeRecord(text(row, 'data')) : undefined;
  }

  private insertEvent(record: RunRecord, type: RunEvent['type']): RunEvent {
    const data = JSON.stringify(record.run);
    const res = this.run('INSERT INTO run_events (run_id, type, tags, batch_id, data) VALUES (?, ?, ?, ?, ?)', [
      record.run.id,
      type,
      JSON.stringify(record.run.tags),
      record.run.batchId ?? null,
      data,
    ]);
    return eventOf(Number(res.lastInsertRowid), record, type, data);
  }

  private insertRun(input: RunRecord): RunEvent {
    if (this.first('SELECT 1 AS x FROM runs WHERE id = ?', [input.run.id])) {
      throw new StoreRefusal('run_exists', `run ${input.run.id} already exists`);
    }
    if (input.run.idempotencyKey !== undefined) {
      const holder = this.first(IDEMPOTENCY_HOLDER_SQL, [input.run.taskIdentifier, input.run.idempotencyKey, epochMs(input.run.createdAt, 'createdAt')]);
      if (holder) throw new IdempotencyKeyTaken(text(holder, 'id'));
    }
    const event = this.insertEvent(input, 'created');
    const record: RunRecord = { ...input, lastSeq: event.seq };
    this.run(
      'INSERT INTO runs (id, task_identifier, status, batch_id, created_at, idempotency_key, last_seq, delayed_until, locked_by, lease_until, ' +
        'queue, concurrency_key, priority, queued_order, idempotency_key_expires_at, parent_run_id, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        record.run.id,
        record.run.taskIdentifier,
        record.run.status,
        record.run.batchId ?? null,
        epochMs(record.run.createdAt, 'createdAt'),
        record.run.idempotencyKey ?? null,
        record.lastSeq,
        delayedUntilMs(record),
        record.lockedBy ?? null,
        record.leaseUntil ?? null,
        queueOf(record),
        concurrencyKeyOf(record),
        record.priority ?? 0,
        queuedOrder(record),
        record.idempotencyKeyExpiresAt ?? null,
        record.parentRunId ?? null,
        encodeRecord(record),
      ],
    );
    this.insertTags(record.run.id, record.run.tags);
    return event;
  }

  /**
   * Successive updates of one run: an event each (in order; the last seq goes into the stored record), then
   * the run row once, with the last state.
   */
  private commitUpdates(prev: RunRecord, updates: readonly RunUpdate[]): RunEvent[] {
    const events = updates.map((update) => {
      if (update.record.run.id !== prev.run.id) throw new Error(`store: an update of run ${prev.run.id} changed its id`);
      const event = this.insertEvent(update.record, update.type);
      update.record.lastSeq = event.seq;
      return event;
    });
    const record = updates.at(-1)!.record;
    // Only changed columns are SET: SQLite then leaves the indexes of unchanged ones alone.
    const before = indexedColumns(prev);
    const after = indexedColumns(record);
    const sets = ['last_seq = ?', 'data = ?'];
    const params: SQLiteValue[] = [record.lastSeq, encodeRecord(record)];
    for (const col of Object.keys(after) as (keyof IndexedColumns)[]) {
      if (after[col] !== before[col]) {
        sets.push(`${col} = ?`);
        params.push(after[col]);
      }
    }
    params.push(record.run.id);
    this.run(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`, params);
    if (!sameTags(prev.run.tags, record.run.tags)) {
      this.run('DELETE FROM run_tags WHERE run_id = ?', [record.run.id]);
      this.insertTags(record.run.id, record.run.tags);
    }
    return events;
  }

  private insertTags(runId: string, tags: string[]): void {
    for (const tag of new Set(tags)) this.run('INSERT INTO run_tags (run_id, tag) VALUES (?, ?)', [runId, tag]);
  }

  private insertBatch(batchId: string, runCount: number, createdAt: string): void {
    if (this.first('SELECT 1 AS x FROM batches WHERE id = ?', [batchId])) {
      throw new StoreRefusal('batch_exists', `batch ${batchId} already exists`);
    }
    this.run('INSERT INTO batches (id, created_at, run_count) VALUES (?, ?, ?)', [batchId, epochMs(createdAt, 'batch createdAt'), runCount]);
  }

  private insertChunks(runId: string, key: string, bodies: string[], staged: Map<string, number>, opStaged: Map<string, number>): StoredChunk[] {
    const cacheKey = `${runId}\u0000${key}`;
    let next = staged.get(cacheKey) ?? this.nextIdx.get(cacheKey);
    if (next === undefined) {
      const row = this.first('SELECT MAX(idx) AS last FROM stream_chunks WHERE run_id = ? AND key = ?', [runId, key]);
      const last = row ? intOrNull(row, 'last') : null;
      next = last === null ? 0 : last + 1;
    }
    const insert = this.stmt('INSERT INTO stream_chunks (run_id, key, idx, body) VALUES (?, ?, ?, ?)');
    const chunks: StoredChunk[] = [];
    for (const body of bodies) {
      this.writes++;
      insert.run([runId, key, next, body]);
      chunks.push({ idx: next, body });
      next++;
    }
    opStaged.set(cacheKey, next);
    return chunks;
  }
}

/** An op of a group applied without savepoints threw: the group was rolled back, to be applied again with them. */
class GroupRetry extends Error {
  constructor(override readonly cause: unknown) {
    super('an op of the group failed');
  }
}

interface IndexedColumns {
  task_identifier: string;
  status: string;
  batch_id: string | null;
  idempotency_key: string | null;
  delayed_until: number | null;
  locked_by: string | null;
  lease_until: number | null;
  queue: string;
  concurrency_key: string;
  priority: number;
  queued_order: number;
}

function indexedColumns(record: RunRecord): IndexedColumns {
  return {
    task_identifier: record.run.taskIdentifier,
    status: record.run.status,
    batch_id: record.run.batchId ?? null,
    idempotency_key: record.run.idempotencyKey ?? null,
    delayed_until: delayedUntilMs(record),
    locked_by: record.lockedBy ?? null,
    lease_until: record.leaseUntil ?? null,
    queue: queueOf(record),
    concurrency_key: concurrencyKeyOf(record),
    priority: record.priority ?? 0,
    queued_order: queuedOrder(record),
  };
}

/** A schedules row as a record. */
function scheduleOf(row: QueryResult): ScheduleRecord {
  return scheduleFromRow(row, { text, textOrNull, int, intOrNull });
}
/** The run of a task holding an idempotency key at a time. Params: task, key, now. */
const IDEMPOTENCY_HOLDER_SQL =
  'SELECT id FROM runs WHERE task_identifier = ? AND idempotency_key = ? AND (idempotency_key_expires_at IS NULL OR idempotency_key_expires_at > ?) LIMIT 1';

/** Claim candidates when no queue has a limit: the oldest due QUEUED runs in queue order. Params: now, limit. */
const CLAIM_UNLIMITED_SQL =
  "SELECT data FROM runs WHERE status = 'QUEUED' AND (delayed_until IS NULL OR delayed_until <= ?) ORDER BY queued_order ASC, id ASC LIMIT ?";

/**
 * One page of claim candidates: due QUEUED runs after the cursor in queue order, with their queue's limit (null:
 * none), leaving out groups at their limit in the database (`at_limit`), groups this claim filled (JSON list
 * `queue\0key`), and queues whose limit is 0. Params: now, filled, cursor order (twice), cursor id, limit.
 */
const CLAIM_PAGE_SQL =
  'WITH at_limit AS (SELECT a.queue, a.concurrency_key FROM queue_limits l JOIN runs a ON a.queue = l.name ' +
  "WHERE a.status IN ('DEQUEUED', 'EXECUTING') GROUP BY a.queue, a.concurrency_key HAVING COUNT(*) >= MAX(l.concurrency_limit)) " +
  'SELECT r.id, r.data, r.queue, r.concurrency_key, r.queued_order, l.concurrency_limit AS lim FROM runs r LEFT JOIN queue_limits l ON l.name = r.queue ' +
  "WHERE r.status = 'QUEUED' AND (r.delayed_until IS NULL OR r.delayed_until <= ?) " +
  'AND (l.concurrency_limit IS NULL OR (l.concurrency_limit > 0 ' +
  'AND NOT EXISTS (SELECT 1 FROM at_limit f WHERE f.queue = r.queue AND f.concurrency_key = r.concurrency_key) ' +
  'AND r.queue || char(0) || r.concurrency_key NOT IN (SELECT value FROM json_each(?)))) ' +
  'AND (r.queued_order > ? OR (r.queued_order = ? AND r.id > ?)) ' +
  'ORDER BY r.queued_order ASC, r.id ASC LIMIT ?';

/** Whether a due QUEUED run of a limited queue is left (after a claim that took fewer runs than it could). */
const CLAIM_BLOCKED_SQL =
  "SELECT 1 AS x FROM queue_limits l JOIN runs r ON r.queue = l.name WHERE r.status = 'QUEUED' AND (r.delayed_until IS NULL OR r.delayed_until <= ?) LIMIT 1";

/** A wait_tokens row as a record (absent columns left out). */
function tokenOf(row: QueryResult): WaitTokenRecord {
  return tokenFromRow(row, { text, textOrNull, int, intOrNull });
}

function eventFromRow(row: QueryResult): RunEvent {
  const event: RunEvent = {
    seq: int(row, 'seq'),
    runId: text(row, 'run_id'),
    type: text(row, 'type') as RunEvent['type'],
    data: text(row, 'data'),
    tags: decodeTags(text(row, 'tags')),
  };
  const batchId = textOrNull(row, 'batch_id');
  if (batchId !== null) event.batchId = batchId;
  return event;
}
