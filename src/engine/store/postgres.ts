import { Pool, type PoolClient } from 'pg';
import type { StoredChunk } from '../../protocol/chunk';
import { claimUpdates } from '../runs/model';
import { COUNT_BOUNDARY_SQL, pruneWhere } from './prune';
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
  normalizeFilter,
  queueOf,
  concurrencyKeyOf,
  queuedOrder,
  runNotFound,
} from './codec';
import { ClaimBook } from './claim';
import { filterClauses, where } from './postgres/filter';
import { commitEvents, pendingJson, stage, type StagedEvent } from './postgres/events';
import { EVENTS_CHANNEL, listenForSeq } from './postgres/listen';
import { VIEW_FROM, VIEW_WINDOW, viewOf } from './postgres/log-view';
import { int, intOrNull, type Row, text, textOrNull } from './postgres/rows';
import { migrate } from './postgres/schema';
import { SettledHead, type LogView } from './postgres/settled';
import {
  HISTORY_EVENT_TYPES,
  IdempotencyKeyTaken,
  StoreRefusal,
  type ClaimReport,
  type ClaimedRun,
  type QueueLimit,
  type Page,
  type RunEvent,
  type RunEventType,
  type RunFilter,
  type RunRecord,
  type RunStore,
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

export interface PostgresStoreOptions {
  /** `postgres://` or `postgresql://` URL. */
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  log?: (line: string) => void;
}

/**
 * First key of the transaction-level advisory lock a create takes for its run's idempotency key (the second is the
 * hash of task and key), held until COMMIT: a create on another node with the same key then sees this run. Taken
 * with try (never waited for, so groups taking several cannot deadlock): when another transaction holds it, the
 * create is refused as busy and the caller tries again.
 */
const RUN_KEY_LOCK = 0x52_4c_53_05;

/** First key of the transaction-level advisory lock taken per token idempotency key (the second is its hash). */
const TOKEN_KEY_LOCK = 0x52_4c_53_03;

/**
 * Transaction-level advisory lock a claim takes before it counts the runs executing in a limited queue, held until
 * its COMMIT: claims of several nodes then see each other's picks, so no queue passes its limit. Claims that meet
 * no limited queue never take it. Its holder never waits for a row lock (claims skip locked rows), so waiting
 * for it cannot deadlock.
 */
const QUEUE_CLAIM_LOCK = 0x52_4c_53_04;

interface OpPlan {
  /** Events of one run (an update, a create) or of several (a claim, `runs` tells whose). */
  events?: StagedEvent[];
  chunks?: StoredChunk[];
  /** A claim: how many of `events` each claimed run has, in order. */
  runs?: number[];
  /** A claim passed over runs of queues at their limit. */
  blocked?: boolean;
}

/**
 * The scale-out store: several engine nodes share one Postgres. Writes run in two phases inside
 * one transaction:
 * 1. per op, under a savepoint: lock the run row (`FOR UPDATE`), call `apply`, insert chunks,
 *    insert created runs/batches. Row locks only.
 * 2. one statement: draw a seq per event from the sequence, insert the events, write each run row
 *    with its `lastSeq`; COMMIT, then `pg_notify('runlight_events', lastSeq)`.
 * No lock is shared by all writers: the transactions of every node commit in parallel, so seqs become
 * visible out of order, and readers see the log only up to its settled head (SettledHead: every seq
 * below it is committed or never will be). Feeds therefore get every event once, in seq order, and a
 * seq stays a valid resume cursor on any node.
 */
export class PostgresRunStore implements RunStore {
  private readonly options: PostgresStoreOptions;
  private pg: Pool | undefined;
  private readonly head = new SettledHead();

  constructor(options: PostgresStoreOptions) {
    this.options = options;
  }

  async open(): Promise<void> {
    if (this.pg) return;
    const pool = new Pool({ connectionString: this.options.connectionString, max: this.options.poolSize ?? 10 });
    pool.on('error', (err) => this.options.log?.(`store: idle Postgres connection error: ${err.message}`));
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    this.pg = pool;
    await this.settleOnOpen();
  }

  /**
   * Waits (≤ 2 s) until the log is settled up to the head seen at open, so the first reads start there and not at 0:
   * usually at once, or after the transactions in progress at open end.
   */
  private async settleOnOpen(): Promise<void> {
    const until = Date.now() + 2000;
    const first = await this.view();
    while (this.head.value < first.top) {
      if (Date.now() > until) {
        this.options.log?.(`store: change log settled to ${this.head.value} of ${first.top}: a long transaction on the database delays feeds`);
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
      await this.view();
    }
  }

  /** Reads a view of the change log (no events) and applies it to the settled head. */
  private async view(): Promise<LogView> {
    const read = this.head.begin(this.head.value);
    const res = await this.pool().query<Row>({ name: 'rl_log_view', text: `SELECT top, win, running FROM ${VIEW_FROM}` }, [read.from, VIEW_WINDOW]);
    const view = viewOf(res.rows[0]!);
    this.head.apply(read, view);
    return view;
  }

  async close(): Promise<void> {
    const pool = this.pg;
    this.pg = undefined;
    await pool?.end();
  }

  async write(ops: WriteOp[]): Promise<WriteResult[]> {
    // Each op runs under the savepoint `op`: kept after a failed op (rolled back to) for the next one, released
    // and taken again after a successful one (one round trip), left open after the last (COMMIT commits it).
    return this.transaction(async (client) => {
      /** Record JSON of every run this transaction has touched, newest state. */
      const pending = new Map<string, string>();
      const plans: (OpPlan | Error)[] = [];
      for (const [i, op] of ops.entries()) {
        try {
          const plan = await this.planOp(client, op, pending);
          if (i < ops.length - 1) await client.query('RELEASE SAVEPOINT op; SAVEPOINT op');
          for (const e of plan.events ?? []) pending.set(e.record.run.id, pendingJson(e));
          plans.push(plan);
        } catch (err) {
          await client.query('ROLLBACK TO SAVEPOINT op');
          plans.push(asError(err));
        }
      }
      const staged = plans.flatMap((p) => (p instanceof Error ? [] : (p.events ?? [])));
      const events = await commitEvents(client, staged);
      let next = 0;
      const results = plans.map((plan): WriteResult => {
        if (plan instanceof Error) return { ok: false, error: plan };
        const result: WriteResult = { ok: true };
        const mine = events.slice(next, (next += plan.events?.length ?? 0));
        if (plan.runs) {
          result.claimed = claimedRuns(plan.events ?? [], mine, plan.runs);
          result.blocked = plan.blocked ?? false;
        } else if (mine[0]) result.event = mine[0];
        if (plan.chunks) result.chunks = plan.chunks;
        return result;
      });
      return { value: results, headSeq: events.at(-1)?.seq };
    }, 'BEGIN; SAVEPOINT op');
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const res = await this.pool().query<Row>({ name: 'rl_get_run', text: 'SELECT data FROM runs WHERE id = $1' }, [id]);
    const row = res.rows[0];
    return row ? decodeRecord(row['data']) : undefined;
  }

  async findByIdempotencyKey(taskIdentifier: string, key: string, now = Date.now()): Promise<RunRecord | undefined> {
    const res = await this.pool().query<Row>(
      'SELECT data FROM runs WHERE task_identifier = $1 AND idempotency_key = $2 AND (idempotency_key_expires_at IS NULL OR idempotency_key_expires_at > $3) ' +
        'ORDER BY created_at DESC, id DESC LIMIT 1',
      [taskIdentifier, key, now],
    );
    const row = res.rows[0];
    return row ? decodeRecord(row['data']) : undefined;
  }

  async listRuns(filter: RunFilter, page: Page): Promise<RunRecord[]> {
    const params: unknown[] = [];
    const clauses = filterClauses(normalizeFilter(filter), params);
    if (page.after !== undefined) {
      params.push(page.after);
      // A vanished cursor run yields NULL, so the page is empty (same as SQLite).
      clauses.push(`(r.created_at, r.id) < (SELECT c.created_at, c.id FROM runs c WHERE c.id = $${params.length})`);
    }
    params.push(limitOf(page.size));
    const res = await this.pool().query<Row>(
      `SELECT r.data FROM runs r ${where(clauses)} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    return res.rows.map((row) => decodeRecord(row['data']));
  }

  /**
   * The runs as of the settled head h: a run whose row is newer (its last event is committed but above h) is given
   * as of its last event ≤ h, and a run with no event ≤ h is left out. Feeds send the snapshot, then events after
   * its highest lastSeq; every event above that reaches them live, since the tailer publishes only up to h.
   */
  async snapshot(filter: RunFilter, limit: number): Promise<RunRecord[]> {
    const cap = await this.headSeq();
    const params: unknown[] = [];
    const clauses = filterClauses(normalizeFilter(filter), params);
    params.push(limitOf(limit));
    const res = await this.pool().query<Row>(`SELECT r.data FROM runs r ${where(clauses)} ORDER BY r.last_seq ASC LIMIT $${params.length}`, params);
    const records = res.rows.map((row) => decodeRecord(row['data']));
    const ahead = records.filter((r) => r.lastSeq > cap).map((r) => r.run.id);
    if (ahead.length === 0) return records;
    const older = await this.pool().query<Row>(
      'SELECT DISTINCT ON (run_id) run_id, seq, data FROM run_events WHERE run_id = ANY($1::text[]) AND seq <= $2 ORDER BY run_id, seq DESC',
      [ahead, cap],
    );
    const asOf = new Map(older.rows.map((row) => [text(row, 'run_id'), { seq: int(row, 'seq'), data: text(row, 'data') }]));
    return records
      .flatMap((r) => {
        if (r.lastSeq <= cap) return [r];
        const e = asOf.get(r.run.id);
        return e ? [decodeRecord({ ...r, run: JSON.parse(e.data) as unknown, lastSeq: e.seq })] : [];
      })
      .sort((a, b) => a.lastSeq - b.lastSeq);
  }

  /** The settled head (see SettledHead): every seq up to it is committed or never will be. */
  async headSeq(): Promise<number> {
    await this.view();
    return this.head.value;
  }

  /**
   * Events after `afterSeq` up to the settled head. `afterSeq` beyond this node's head (a cursor from a node further
   * ahead) is trusted for this read. A read whose view settled seqs beyond what it may deliver itself (a gap that
   * will never fill) reads once more, from where it stopped.
   */
  async eventsAfter(afterSeq: number, filter: RunFilter, limit: number): Promise<RunEvent[]> {
    const first = await this.readEvents(afterSeq, filter, limit);
    if (first.events.length >= limit || this.head.value <= first.cap) return first.events;
    const more = await this.readEvents(first.cap, filter, limit - first.events.length);
    return [...first.events, ...more.events];
  }

  /** Events after `afterSeq` up to `cap`, read in one statement with a view of the log that moves the head and sets `cap`. */
  private async readEvents(afterSeq: number, filter: RunFilter, limit: number): Promise<{ events: RunEvent[]; cap: number }> {
    const read = this.head.begin(afterSeq);
    const params: unknown[] = [read.from, VIEW_WINDOW, afterSeq];
    const f = normalizeFilter(filter);
    const clauses = filterClauses(f, params);
    const join = clauses.length > 0 ? 'JOIN runs r ON r.id = e.run_id' : '';
    // Test run_id on run_events too, so per-run feeds use run_events(run_id, seq).
    if (f.runIds) clauses.push(`e.run_id = ANY($${params.indexOf(f.runIds) + 1}::text[])`);
    params.push(limitOf(limit));
    const sql =
      'SELECT 0 AS part, top, win, running, NULL::bigint AS seq, NULL::text AS run_id, NULL::text AS type, NULL::text[] AS tags, ' +
      `NULL::text AS batch_id, NULL::text AS data FROM ${VIEW_FROM} UNION ALL ` +
      `(SELECT 1, NULL, NULL, NULL, e.seq, e.run_id, e.type, e.tags, e.batch_id, e.data FROM run_events e ${join} ` +
      `WHERE ${['e.seq > $3', ...clauses].join(' AND ')} ORDER BY e.seq ASC LIMIT $${params.length})`;
    // The whole log (every node's tailer, after each commit anywhere) is read with one text: prepared once per connection.
    const res = await this.pool().query<Row>(clauses.length === 0 ? { name: 'rl_events_after', text: sql } : { text: sql }, params);
    const viewRow = res.rows.find((row) => row['part'] === 0);
    if (!viewRow) throw new Error('store: no view of the change log');
    const cap = this.head.apply(read, viewOf(viewRow));
    const rows = res.rows.filter((row) => row['part'] === 1 && int(row, 'seq') <= cap).sort((a, b) => int(a, 'seq') - int(b, 'seq'));
    return { events: rows.map(eventFromRow), cap };
  }

  async runHistory(runId: string, limit: number): Promise<RunEvent[]> {
    const res = await this.pool().query<Row>(
      'SELECT e.seq, e.run_id, e.type, e.tags, e.batch_id, e.data FROM run_events e WHERE e.run_id = $1 AND e.type = ANY($2::text[]) ORDER BY e.seq ASC LIMIT $3',
      [runId, HISTORY_EVENT_TYPES, limitOf(limit)],
    );
    return res.rows.map(eventFromRow);
  }

  async chunksAfter(runId: string, key: string, afterIdx: number, limit: number): Promise<StoredChunk[]> {
    const res = await this.pool().query<Row>('SELECT idx, body FROM stream_chunks WHERE run_id = $1 AND key = $2 AND idx > $3 ORDER BY idx ASC LIMIT $4', [
      runId,
      key,
      afterIdx,
      limitOf(limit),
    ]);
    return res.rows.map((row) => ({ idx: int(row, 'idx'), body: text(row, 'body') }));
  }

  async chunkCount(runId: string, key: string): Promise<number> {
    const res = await this.pool().query<Row>('SELECT COUNT(*) AS n FROM stream_chunks WHERE run_id = $1 AND key = $2', [runId, key]);
    const row = res.rows[0];
    return row ? int(row, 'n') : 0;
  }

  async claimQueued(
    node: string,
    limit: number,
    now: number,
    leaseMs: number,
    options: { startAttempt?: boolean; report?: ClaimReport } = {},
  ): Promise<ClaimedRun[]> {
    // Its own transaction, without the savepoint a grouped op needs: two round trips fewer per claim.
    return this.transaction(async (client) => {
      const op = { kind: 'claim', node, limit, now, leaseMs, startAttempt: options.startAttempt ?? false } as const;
      const plan = await this.planClaim(client, op, new Map());
      const events = await commitEvents(client, plan.events);
      if (options.report) options.report.blocked = plan.blocked;
      return { value: claimedRuns(plan.events, events, plan.runs), headSeq: events.at(-1)?.seq };
    });
  }

  async setQueueLimits(queues: readonly QueueLimit[]): Promise<void> {
    await this.transaction(async (client) => {
      // Claims counting under the lock see either the old limits or the new ones, never a mix.
      await client.query('SELECT pg_advisory_xact_lock($1)', [QUEUE_CLAIM_LOCK]);
      await client.query('DELETE FROM queue_limits');
      if (queues.length) {
        await client.query(
          'INSERT INTO queue_limits (name, concurrency_limit) SELECT * FROM unnest($1::text[], $2::int[]) ON CONFLICT (name) DO UPDATE SET concurrency_limit = EXCLUDED.concurrency_limit',
          [queues.map((q) => q.name), queues.map((q) => q.concurrencyLimit)],
        );
      }
      return { value: undefined };
    });
  }

  async queueLimits(): Promise<QueueLimit[]> {
    const res = await this.pool().query<Row>('SELECT name, concurrency_limit FROM queue_limits ORDER BY name');
    return res.rows.map((row) => ({ name: text(row, 'name'), concurrencyLimit: int(row, 'concurrency_limit') }));
  }

  async useTokenOnce(hash: string, expiresAt: number): Promise<boolean> {
    const res = await this.pool().query('INSERT INTO used_tokens (hash, used_at, expires_at) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING', [
      hash,
      Date.now(),
      expiresAt,
    ]);
    return res.rowCount === 1;
  }

  async createToken(token: WaitTokenRecord, now: number): Promise<{ token: WaitTokenRecord; isCached: boolean }> {
    const tags = [...new Set(token.tags)];
    return this.transaction<{ token: WaitTokenRecord; isCached: boolean }>(async (client) => {
      if (token.idempotencyKey !== undefined) {
        // Nodes creating with one key serialise here, so only one of them inserts.
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [TOKEN_KEY_LOCK, token.idempotencyKey]);
        const res = await client.query<Row>(
          'SELECT * FROM wait_tokens WHERE idempotency_key = $1 AND (idempotency_key_expires_at IS NULL OR idempotency_key_expires_at > $2) ' +
            'ORDER BY created_at DESC, id DESC LIMIT 1',
          [token.idempotencyKey, now],
        );
        const row = res.rows[0];
        if (row) return { value: { token: tokenOf(row), isCached: true } };
      }
      await client.query(`INSERT INTO wait_tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10)`, tokenRowValues(token, tags));
      return { value: { token: { ...token, tags }, isCached: false } };
    });
  }

  async getToken(id: string): Promise<WaitTokenRecord | undefined> {
    const res = await this.pool().query<Row>('SELECT * FROM wait_tokens WHERE id = $1', [id]);
    const row = res.rows[0];
    return row ? tokenOf(row) : undefined;
  }

  async settleToken(id: string, settlement: TokenSettlement, now: number): Promise<{ token: WaitTokenRecord; settled: boolean } | undefined> {
    const output = settlement.status === 'COMPLETED' ? (settlement.output ?? null) : null;
    // One statement: the row lock makes the first settlement win, a later one sees it settled.
    const res = await this.pool().query<Row>(
      "UPDATE wait_tokens SET status = $2, completed_at = $3, output = $4 WHERE id = $1 AND status = 'WAITING' RETURNING *",
      [id, settlement.status, now, output],
    );
    const row = res.rows[0];
    if (row) return { token: tokenOf(row), settled: true };
    const token = await this.getToken(id);
    return token ? { token, settled: false } : undefined;
  }

  async timeOutDueTokens(now: number): Promise<string[]> {
    const res = await this.pool().query<Row>(
      "UPDATE wait_tokens SET status = 'TIMED_OUT', completed_at = $1 WHERE status = 'WAITING' AND timeout_at IS NOT NULL AND timeout_at <= $1 RETURNING id",
      [now],
    );
    return res.rows.map((row) => text(row, 'id'));
  }

  async listTokens(filter: WaitTokenFilter, page: Page): Promise<WaitTokenRecord[]> {
    const params: unknown[] = [];
    const bind = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const clauses: string[] = [];
    if (filter.status) clauses.push(`t.status = ANY(${bind(filter.status)}::text[])`);
    if (filter.idempotencyKey !== undefined) clauses.push(`t.idempotency_key = ${bind(filter.idempotencyKey)}`);
    if (filter.tags?.length) clauses.push(`t.tags @> ${bind(filter.tags)}::text[]`);
    if (filter.createdAfter !== undefined) clauses.push(`t.created_at >= ${bind(filter.createdAfter)}`);
    if (page.after !== undefined) {
      clauses.push(`(t.created_at, t.id) < (SELECT c.created_at, c.id FROM wait_tokens c WHERE c.id = ${bind(page.after)})`);
    }
    const res = await this.pool().query<Row>(
      `SELECT t.* FROM wait_tokens t ${where(clauses)} ORDER BY t.created_at DESC, t.id DESC LIMIT ${bind(limitOf(page.size))}`,
      params,
    );
    return res.rows.map(tokenOf);
  }

  async upsertSchedule(schedule: ScheduleRecord): Promise<{ schedule: ScheduleRecord; created: boolean }> {
    // One statement: nodes upserting one key at once serialise on its unique index; `xmax = 0` tells an insert.
    const res = await this.pool().query<Row>(
      `INSERT INTO schedules (${SCHEDULE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ` +
        'ON CONFLICT (deduplication_key) DO UPDATE SET task_identifier = EXCLUDED.task_identifier, cron = EXCLUDED.cron, ' +
        'timezone = EXCLUDED.timezone, external_id = EXCLUDED.external_id, ' +
        'next_tick_at = CASE WHEN schedules.active THEN EXCLUDED.next_tick_at ELSE NULL END, updated_at = EXCLUDED.updated_at ' +
        'RETURNING *, (xmax = 0) AS inserted',
      scheduleRowValues(schedule, (b) => b),
    );
    const row = res.rows[0]!;
    return { schedule: scheduleOf(row), created: row['inserted'] === true };
  }

  async getSchedule(id: string): Promise<ScheduleRecord | undefined> {
    const res = await this.pool().query<Row>('SELECT * FROM schedules WHERE id = $1', [id]);
    const row = res.rows[0];
    return row ? scheduleOf(row) : undefined;
  }

  async listSchedules(filter: ScheduleFilter, offset: number, limit: number): Promise<{ schedules: ScheduleRecord[]; total: number }> {
    const params: unknown[] = [];
    const clauses: string[] = [];
    if (filter.type !== undefined) clauses.push(`type = $${params.push(filter.type)}`);
    if (filter.taskIdentifier !== undefined) clauses.push(`task_identifier = $${params.push(filter.taskIdentifier)}`);
    const count = await this.pool().query<Row>(`SELECT COUNT(*) AS n FROM schedules ${where(clauses)}`, params);
    const res = await this.pool().query<Row>(
      `SELECT * FROM schedules ${where(clauses)} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limitOf(limit), limitOf(offset)],
    );
    return { schedules: res.rows.map(scheduleOf), total: count.rows[0] ? int(count.rows[0], 'n') : 0 };
  }

  async updateSchedule(id: string, patch: SchedulePatch): Promise<ScheduleRecord | undefined> {
    const cols = schedulePatchColumns(patch);
    const res = await this.pool().query<Row>(`UPDATE schedules SET ${cols.map(([c], i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING *`, [
      id,
      ...cols.map(([, v]) => v),
    ]);
    const row = res.rows[0];
    return row ? scheduleOf(row) : undefined;
  }

  async deleteSchedule(id: string): Promise<boolean> {
    const res = await this.pool().query('DELETE FROM schedules WHERE id = $1', [id]);
    return res.rowCount === 1;
  }

  async dueSchedules(now: number, limit: number): Promise<ScheduleRecord[]> {
    const res = await this.pool().query<Row>(
      'SELECT * FROM schedules WHERE active AND next_tick_at IS NOT NULL AND next_tick_at <= $1 ORDER BY next_tick_at ASC, id ASC LIMIT $2',
      [now, limitOf(limit)],
    );
    return res.rows.map(scheduleOf);
  }

  async claimScheduleTick(id: string, tickAt: number, nextTickAt: number, fired: boolean): Promise<boolean> {
    // The row lock makes this a compare-and-set: of nodes claiming one tick, the first moves next_tick_at and the
    // others, re-checking the condition after it commits, match no row.
    const res = await this.pool().query(
      'UPDATE schedules SET next_tick_at = $3, last_tick_at = CASE WHEN $4 THEN $2 ELSE last_tick_at END WHERE id = $1 AND active AND next_tick_at = $2',
      [id, tickAt, nextTickAt, fired],
    );
    return res.rowCount === 1;
  }

  /**
   * Runs holding a lease that ended before `now` (status DEQUEUED, EXECUTING or WAITING), oldest lease first:
   * runs of a node that died. The caller decides (requeue or fail) and writes with `write`, whose
   * `apply` should re-check `leaseUntil` since another node may recover the same run.
   */
  async expiredLeases(now: number, limit: number): Promise<RunRecord[]> {
    const res = await this.pool().query<Row>(
      "SELECT data FROM runs WHERE lease_until IS NOT NULL AND lease_until < $1 AND status IN ('DEQUEUED', 'EXECUTING', 'WAITING') ORDER BY lease_until ASC LIMIT $2",
      [now, limitOf(limit)],
    );
    return res.rows.map((row) => decodeRecord(row['data']));
  }

  /**
   * Extends the leases of runs `node` still holds, without an event; the stored record's
   * `leaseUntil` moves with the column. A run whose row another transaction has locked right now
   * is skipped (SKIP LOCKED: no waiting, no deadlock); the next renewal round catches it.
   */
  async renewLeases(node: string, runIds: readonly string[], until: number): Promise<void> {
    if (runIds.length === 0) return;
    await this.transaction(async (client) => {
      const res = await client.query<Row>('SELECT data FROM runs WHERE id = ANY($1::text[]) AND locked_by = $2 ORDER BY id FOR UPDATE SKIP LOCKED', [
        [...runIds],
        node,
      ]);
      if (res.rows.length === 0) return { value: undefined };
      const ids: string[] = [];
      const data: string[] = [];
      for (const row of res.rows) {
        const record = decodeRecord(row['data']);
        ids.push(record.run.id);
        data.push(encodeRecord({ ...record, leaseUntil: until }));
      }
      await client.query('UPDATE runs r SET lease_until = $1, data = v.data::json FROM unnest($2::text[], $3::text[]) AS v(id, data) WHERE r.id = v.id', [
        until,
        ids,
        data,
      ]);
      return { value: undefined };
    });
  }

  async pruneRuns(policy: PrunePolicy, limit: number): Promise<number> {
    return this.transaction(async (client) => {
      const edge =
        policy.keepNewest !== undefined
          ? (await client.query<Row>(COUNT_BOUNDARY_SQL + String(Math.max(0, Math.floor(policy.keepNewest))))).rows[0]
          : undefined;
      const boundary = edge ? { createdAt: Number(edge['created_at']), id: String(edge['id']) } : undefined;
      const chosen = pruneWhere(policy, boundary, (i) => `$${i}`);
      if (!chosen) return { value: 0 };
      // SKIP LOCKED: a run another node is writing right now is left for the next round.
      const res = await client.query<Row>(
        `SELECT id, batch_id FROM runs WHERE ${chosen.sql} ORDER BY created_at, id LIMIT $${chosen.params.length + 1} FOR UPDATE SKIP LOCKED`,
        [...chosen.params, limitOf(limit)],
      );
      if (res.rows.length === 0) return { value: 0 };
      const ids = res.rows.map((r) => String(r['id']));
      const batches = [...new Set(res.rows.map((r) => r['batch_id']).filter((b): b is string => typeof b === 'string'))];
      await client.query('DELETE FROM run_events WHERE run_id = ANY($1::text[])', [ids]);
      await client.query('DELETE FROM stream_chunks WHERE run_id = ANY($1::text[])', [ids]);
      await client.query('DELETE FROM runs WHERE id = ANY($1::text[])', [ids]);
      await client.query('DELETE FROM batches b WHERE b.id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.batch_id = b.id)', [batches]);
      return { value: ids.length };
    });
  }

  async pruneSpent(now: number, settledBefore: number | undefined, limit: number): Promise<number> {
    return this.transaction(async (client) => {
      const max = limitOf(limit);
      // SKIP LOCKED, as for runs: what another node is writing right now is left for the next round.
      const used = await client.query(
        'DELETE FROM used_tokens WHERE hash IN (SELECT hash FROM used_tokens WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)',
        [now, max],
      );
      let removed = used.rowCount ?? 0;
      if (settledBefore !== undefined && removed < max) {
        const settled = await client.query(
          "DELETE FROM wait_tokens WHERE id IN (SELECT id FROM wait_tokens WHERE status <> 'WAITING' AND completed_at < $1 ORDER BY completed_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
          [settledBefore, max - removed],
        );
        removed += settled.rowCount ?? 0;
      }
      return { value: removed };
    });
  }

  /**
   * Calls `onSeq(headSeq)` after every commit that added events, on any node (LISTEN/NOTIFY on
   * channel `runlight_events`). After a lost connection comes back it calls `onSeq` with the
   * current head. Resolves to a function that stops listening.
   */
  async listen(onSeq: (seq: number) => void): Promise<() => Promise<void>> {
    this.pool();
    return listenForSeq({
      config: { connectionString: this.options.connectionString },
      onSeq,
      onReconnect: () => {
        this.headSeq().then(onSeq, (err: unknown) => this.options.log?.(`store: head seq after reconnect failed: ${asError(err).message}`));
      },
      log: this.options.log,
    });
  }

  // ---- internals ----

  private pool(): Pool {
    if (!this.pg) throw new Error('store: Postgres store is not open');
    return this.pg;
  }

  /**
   * Runs `body` in a transaction opened with `begin` (BEGIN plus statements without parameters, one round trip).
   * A body that committed events returns their highest seq: it is announced after the COMMIT, in the same round
   * trip, and outside the transaction, so the lock Postgres takes to queue notifications is not held across the
   * commit's WAL flush (that lock would serialise the commits of every node).
   */
  private async transaction<T>(body: (client: PoolClient) => Promise<{ value: T; headSeq?: number }>, begin = 'BEGIN'): Promise<T> {
    const client = await this.pool().connect();
    let broken: Error | undefined;
    // A connection lost while checked out (Postgres restarted, the backend terminated) is emitted as an 'error' event
    // besides failing the query; the pool listens only while the client is idle, and an unheard one would crash
    // the engine.
    const lost = (err: Error): void => void (broken ??= err);
    client.on('error', lost);
    try {
      await client.query(begin);
      const out = await body(client);
      const seq = out.headSeq;
      // A safe integer: no quoting needed in the payload literal.
      await client.query(seq !== undefined && Number.isSafeInteger(seq) ? `COMMIT; SELECT pg_notify('${EVENTS_CHANNEL}', '${seq}')` : 'COMMIT');
      return out.value;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = asError(rollbackErr);
      }
      throw err;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  /** Phase 1 of one op; runs inside its savepoint. */
  private async planOp(client: PoolClient, op: WriteOp, pending: Map<string, string>): Promise<OpPlan> {
    switch (op.kind) {
      case 'create': {
        const record: RunRecord = { ...op.record, lastSeq: 0 };
        const run = record.run;
        if (run.idempotencyKey !== undefined) {
          const lock = await client.query<Row>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS got', [
            RUN_KEY_LOCK,
            `${run.taskIdentifier}\u0001${run.idempotencyKey}`,
          ]);
          if (lock.rows[0]?.['got'] !== true)
            throw new StoreRefusal('idempotency_busy', `another trigger with run ${run.id}'s idempotency key is being committed`);
          const holder = await client.query<Row>(
            'SELECT id FROM runs WHERE task_identifier = $1 AND idempotency_key = $2 AND (idempotency_key_expires_at IS NULL OR idempotency_key_expires_at > $3) LIMIT 1',
            [run.taskIdentifier, run.idempotencyKey, epochMs(run.createdAt, 'createdAt')],
          );
          if (holder.rows[0]) throw new IdempotencyKeyTaken(text(holder.rows[0], 'id'));
        }
        const res = await client.query(
          {
            name: 'rl_create_run',
            text:
              'INSERT INTO runs (id, task_identifier, status, batch_id, created_at, idempotency_key, last_seq, delayed_until, ' +
              'locked_by, lease_until, tags, data, queue, concurrency_key, priority, queued_order, idempotency_key_expires_at, parent_run_id) ' +
              'VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10::text[], $11::json, $12, $13, $14, $15, $16, $17) ' +
              'ON CONFLICT (id) DO NOTHING',
          },
          [
            run.id,
            run.taskIdentifier,
            run.status,
            run.batchId ?? null,
            epochMs(run.createdAt, 'createdAt'),
            run.idempotencyKey ?? null,
            delayedUntilMs(record),
            record.lockedBy ?? null,
            record.leaseUntil ?? null,
            [...new Set(run.tags)],
            encodeRecord(record),
            queueOf(record),
            concurrencyKeyOf(record),
            record.priority ?? 0,
            queuedOrder(record),
            record.idempotencyKeyExpiresAt ?? null,
            record.parentRunId ?? null,
          ],
        );
        if (res.rowCount !== 1) throw new StoreRefusal('run_exists', `run ${run.id} already exists`);
        return { events: [stage(record, 'created')] };
      }
      case 'batch': {
        const res = await client.query('INSERT INTO batches (id, created_at, run_count) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
          op.batchId,
          epochMs(op.createdAt, 'batch createdAt'),
          op.runIds.length,
        ]);
        if (res.rowCount !== 1) throw new StoreRefusal('batch_exists', `batch ${op.batchId} already exists`);
        return {};
      }
      case 'update': {
        const record = await this.lockRecord(client, op.runId, pending);
        const update = op.apply(record);
        return update ? { events: [stage(checkedId(update.record, op.runId), update.type)] } : {};
      }
      case 'claim':
        return this.planClaim(client, op, pending);
      case 'chunks': {
        const record = await this.lockRecord(client, op.runId, pending);
        const update = op.apply?.(record);
        const plan: OpPlan = {};
        if (update) plan.events = [stage(checkedId(update.record, op.runId), update.type)];
        plan.chunks = await insertChunks(client, op.runId, op.key, op.bodies);
        return plan;
      }
    }
  }

  /**
   * The runs a claim takes and their staged events; `runs` tells how many events each run has. Candidates come a
   * page at a time in queue order, locked (SKIP LOCKED: another node's candidates are left to it); before the
   * first run of a limited queue is admitted the claim takes QUEUE_CLAIM_LOCK and counts the queue's executing
   * runs afresh, so claims on several nodes never pass a limit together.
   */
  private async planClaim(
    client: PoolClient,
    op: Extract<WriteOp, { kind: 'claim' }>,
    pending: Map<string, string>,
  ): Promise<{ events: StagedEvent[]; runs: number[]; blocked: boolean }> {
    const book = new ClaimBook(limitOf(op.limit));
    const plan = { events: [] as StagedEvent[], runs: [] as number[], blocked: false };
    let locked = false;
    for (;;) {
      const wanted = book.limit - plan.runs.length;
      if (wanted <= 0) break;
      const filled = [...book.filled].map((g) => g.split('\u0000'));
      const res = await client.query<Row>({ name: 'rl_claim_page', text: CLAIM_PAGE_SQL }, [
        op.now,
        filled.map((g) => g[0]),
        filled.map((g) => g[1] ?? ''),
        book.cursor.order,
        book.cursor.id,
        wanted,
      ]);
      const candidates = res.rows.map((row) => ({
        row,
        c: {
          id: text(row, 'id'),
          order: int(row, 'queued_order'),
          queue: text(row, 'queue'),
          concurrencyKey: text(row, 'concurrency_key'),
          limit: intOrNull(row, 'lim'),
        },
      }));
      // Each group once: the join below counts its executing runs once per row of the list.
      const toCount = [
        ...new Map(
          candidates
            .filter(({ c }) => c.limit !== null && book.needsCount(c.queue, c.concurrencyKey))
            .map(({ c }) => [`${c.queue}\u0000${c.concurrencyKey}`, c] as const),
        ).values(),
      ];
      const counts = new Map<string, number>();
      if (toCount.length) {
        if (!locked) {
          await client.query('SELECT pg_advisory_xact_lock($1)', [QUEUE_CLAIM_LOCK]);
          locked = true;
        }
        const counted = await client.query<Row>(
          'SELECT a.queue, a.concurrency_key, COUNT(*) AS n FROM runs a JOIN unnest($1::text[], $2::text[]) AS g(queue, concurrency_key) ' +
            "ON a.queue = g.queue AND a.concurrency_key = g.concurrency_key WHERE a.status IN ('DEQUEUED', 'EXECUTING') GROUP BY a.queue, a.concurrency_key",
          [toCount.map((c) => c.queue), toCount.map((c) => c.concurrencyKey)],
        );
        for (const row of counted.rows) counts.set(`${text(row, 'queue')}\u0000${text(row, 'concurrency_key')}`, int(row, 'n'));
      }
      for (const { row, c } of candidates) {
        if (!book.admit(c, () => counts.get(`${c.queue}\u0000${c.concurrencyKey}`) ?? 0)) continue;
        // An earlier op of this transaction may have changed the run (its row is written in phase 2).
        const record = decodeRecord(pending.get(c.id) ?? row['data']);
        if (record.run.status !== 'QUEUED') continue;
        const updates = claimUpdates(record, op.node, op.now, op.leaseMs, op.startAttempt);
        if (!updates.length) continue;
        for (const u of updates) plan.events.push(stage(u.record, u.type));
        plan.runs.push(updates.length);
      }
      if (!book.more(plan.runs.length, res.rows.length, wanted)) break;
    }
    plan.blocked = book.blocked;
    if (!plan.blocked && plan.runs.length < book.limit) {
      // Runs the page query left out (their group was already full) were passed over too.
      const taken = plan.events.map((e) => e.record.run.id);
      const res = await client.query(CLAIM_BLOCKED_SQL, [op.now, taken]);
      plan.blocked = (res.rowCount ?? 0) > 0;
    }
    return plan;
  }

  /** The run as this transaction sees it, its row locked until commit. */
  private async lockRecord(client: PoolClient, runId: string, pending: Map<string, string>): Promise<RunRecord> {
    const mine = pending.get(runId);
    if (mine !== undefined) return decodeRecord(mine);
    const res = await client.query<Row>({ name: 'rl_lock_run', text: 'SELECT data FROM runs WHERE id = $1 FOR UPDATE' }, [runId]);
    const row = res.rows[0];
    if (!row) throw runNotFound(runId);
    return decodeRecord(row['data']);
  }
}

/**
 * One page of claim candidates, locked: due QUEUED runs after the cursor in queue order, with their queue's limit
 * (null: none), leaving out groups at their limit in the database (`at_limit`), groups this claim filled ($2/$3:
 * queues and keys), and queues whose limit is 0. Params: now, filled queues, filled keys, cursor order, cursor id,
 * limit.
 */
const CLAIM_PAGE_SQL =
  'WITH at_limit AS (SELECT a.queue, a.concurrency_key FROM queue_limits l JOIN runs a ON a.queue = l.name ' +
  "WHERE a.status IN ('DEQUEUED', 'EXECUTING') GROUP BY a.queue, a.concurrency_key HAVING COUNT(*) >= MAX(l.concurrency_limit)) " +
  'SELECT r.id, r.data, r.queue, r.concurrency_key, r.queued_order, l.concurrency_limit AS lim FROM runs r LEFT JOIN queue_limits l ON l.name = r.queue ' +
  "WHERE r.status = 'QUEUED' AND (r.delayed_until IS NULL OR r.delayed_until <= $1) " +
  'AND (l.concurrency_limit IS NULL OR (l.concurrency_limit > 0 ' +
  'AND NOT EXISTS (SELECT 1 FROM at_limit f WHERE f.queue = r.queue AND f.concurrency_key = r.concurrency_key) ' +
  'AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS g(queue, concurrency_key) WHERE g.queue = r.queue AND g.concurrency_key = r.concurrency_key))) ' +
  'AND (r.queued_order, r.id) > ($4::bigint, $5::text) ' +
  'ORDER BY r.queued_order ASC, r.id ASC LIMIT $6 FOR UPDATE OF r SKIP LOCKED';

/**
 * Whether a due QUEUED run of a limited queue is left (after a claim that took fewer runs than it could), other
 * than the runs $2 this claim takes (their rows are written at commit).
 */
const CLAIM_BLOCKED_SQL =
  'SELECT 1 FROM queue_limits l JOIN runs r ON r.queue = l.name ' +
  "WHERE r.status = 'QUEUED' AND (r.delayed_until IS NULL OR r.delayed_until <= $1) AND r.id <> ALL($2::text[]) LIMIT 1";

/** A claim's committed events split per run (`counts`), each run as stored after its last one. */
function claimedRuns(staged: readonly StagedEvent[], events: RunEvent[], counts: readonly number[]): ClaimedRun[] {
  let next = 0;
  return counts.map((n) => {
    next += n;
    return { record: staged[next - 1]!.record, events: events.slice(next - n, next) };
  });
}

function checkedId(record: RunRecord, runId: string): RunRecord {
  if (record.run.id !== runId) throw new Error(`store: an update of run ${runId} changed its id`);
  return record;
}

/** Appends under the run's row lock, so idx is gapless per (run, key) across nodes. */
async function insertChunks(client: PoolClient, runId: string, key: string, bodies: string[]): Promise<StoredChunk[]> {
  if (bodies.length === 0) return [];
  const res = await client.query<Row>(
    'INSERT INTO stream_chunks (run_id, key, idx, body) ' +
      'SELECT $1, $2, base.n + t.i - 1, t.body FROM ' +
      '(SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM stream_chunks WHERE run_id = $1 AND key = $2) base, ' +
      'unnest($3::text[]) WITH ORDINALITY AS t(body, i) RETURNING idx',
    [runId, key, bodies],
  );
  let first = Number.POSITIVE_INFINITY;
  for (const row of res.rows) first = Math.min(first, int(row, 'idx'));
  return bodies.map((body, i) => ({ idx: first + i, body }));
}

/** A wait_tokens row as a record (absent columns left out). */
function scheduleOf(row: Row): ScheduleRecord {
  return scheduleFromRow(row, { text, textOrNull, int, intOrNull });
}

function tokenOf(row: Row): WaitTokenRecord {
  return tokenFromRow(row, { text, textOrNull, int, intOrNull });
}

function eventFromRow(row: Row): RunEvent {
  const event: RunEvent = {
    seq: int(row, 'seq'),
    runId: text(row, 'run_id'),
    type: text(row, 'type') as RunEventType,
    data: text(row, 'data'),
    tags: decodeTags(row['tags']),
  };
  const batchId = textOrNull(row, 'batch_id');
  if (batchId !== null) event.batchId = batchId;
  return event;
}
