import type { PoolClient } from 'pg';
import { delayedUntilMs, eventOf } from '../codec';
import { StoreRefusal, type RunEvent, type RunEventType, type RunRecord } from '../types';
import { int, type Row } from './rows';

/** Stored record JSON starts with this key, so phase 2 can splice the seq in without parsing. */
const SEQ_HEAD = '{"lastSeq":';

/** An event decided in phase 1 of a write; it gets its seq in phase 2. */
export interface StagedEvent {
  record: RunRecord;
  type: RunEventType;
  /** Public Run JSON as of this op. */
  data: string;
  /** Record JSON as of this op minus its head `{"lastSeq":0`; SQL splices the real seq in front. */
  recordTail: string;
  /** Derived in phase 1, so a bad value fails only its op. */
  delayedUntil: number | null;
}

/** Snapshot of a record at this op: later ops may be handed a copy, never this object. */
export function stage(record: RunRecord, type: RunEventType): StagedEvent {
  checkText(record);
  const { lastSeq: _seq, ...rest } = record;
  const json = JSON.stringify({ lastSeq: 0, ...rest });
  return {
    record,
    type,
    data: JSON.stringify(record.run),
    recordTail: json.slice(SEQ_HEAD.length + 1),
    delayedUntil: delayedUntilMs(record),
  };
}

/** The stored record JSON of a staged event before its seq is known (what later ops of the transaction read). */
export function pendingJson(e: StagedEvent): string {
  return `${SEQ_HEAD}0${e.recordTail}`;
}

/**
 * Postgres text cannot hold U+0000; refuse it here (phase 1) rather than fail the whole group in
 * phase 2. JSON columns are safe: JSON.stringify escapes it.
 */
function checkText(record: RunRecord): void {
  const { run } = record;
  const fields = [run.id, run.taskIdentifier, run.status, run.batchId, run.idempotencyKey, run.queue, record.concurrencyKey, record.lockedBy, ...run.tags];
  if (fields.some((v) => v?.includes('\u0000'))) {
    throw new StoreRefusal('invalid_text', `run ${run.id}: ids, tags and keys may not contain U+0000`);
  }
}

/**
 * Phase 2 of a write, one statement: draws one seq per staged event and hands them out ascending in staging order
 * (so a run's events keep their order), inserts the events and writes each run's row as of its last event. No lock
 * beyond the row locks phase 1 took: transactions of several nodes run this at once, and readers see the log only up
 * to its settled head (see SettledHead). The transaction already has its id (phase 1 locked or inserted every run
 * it stages events for), which SettledHead relies on. Tags travel as array literals (`{"a","b"}`).
 */
const COMMIT_EVENTS_SQL =
  'WITH drawn AS MATERIALIZED (SELECT array_agg(x ORDER BY x) AS seqs FROM ' +
  "(SELECT nextval('run_events_seq_seq') AS x FROM generate_series(1, cardinality($1::text[]))) d), " +
  'ev AS MATERIALIZED (SELECT drawn.seqs[v.ord] AS seq, v.* FROM drawn, ' +
  'unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS v(run_id, type, tags, batch_id, data, ord)), ' +
  'ins AS (INSERT INTO run_events (seq, run_id, type, tags, batch_id, data) SELECT seq, run_id, type, tags::text[], batch_id, data FROM ev), ' +
  'upd AS (UPDATE runs SET task_identifier = x.task_identifier, status = x.status, batch_id = ev.batch_id, idempotency_key = x.idempotency_key, ' +
  'last_seq = ev.seq, delayed_until = x.delayed_until, locked_by = x.locked_by, lease_until = x.lease_until, tags = ev.tags::text[], ' +
  `data = ('${SEQ_HEAD}' || ev.seq::text || x.tail)::json ` +
  'FROM unnest($6::bigint[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[], $12::bigint[], $13::text[]) ' +
  'AS x(ord, task_identifier, status, idempotency_key, delayed_until, locked_by, lease_until, tail) JOIN ev ON ev.ord = x.ord ' +
  'WHERE runs.id = ev.run_id RETURNING runs.id) ' +
  'SELECT (SELECT seqs FROM drawn) AS seqs, (SELECT count(*) FROM upd) AS updated';

/** A Postgres array literal of texts (`{"a","b\\"c"}`): cheaper to cast than JSON to parse. */
export function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((t) => `"${t.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** Phase 2: seqs for the staged events, in order; run rows written with their lastSeq. One round trip. */
export async function commitEvents(client: PoolClient, staged: readonly StagedEvent[]): Promise<RunEvent[]> {
  if (staged.length === 0) return [];
  /** Each run's last event (its row is written as of that one). */
  const last = new Map<string, number>();
  staged.forEach((s, i) => last.set(s.record.run.id, i));
  const runs = [...last.values()].map((i) => staged[i]!);
  // Named: prepared once per connection, not parsed and planned at every commit.
  const res = await client.query<Row>({ name: 'rl_commit_events', text: COMMIT_EVENTS_SQL }, [
    staged.map((s) => s.record.run.id),
    staged.map((s) => s.type),
    staged.map((s) => textArrayLiteral(s.record.run.tags)),
    staged.map((s) => s.record.run.batchId ?? null),
    staged.map((s) => s.data),
    [...last.values()].map((i) => i + 1),
    runs.map((s) => s.record.run.taskIdentifier),
    runs.map((s) => s.record.run.status),
    runs.map((s) => s.record.run.idempotencyKey ?? null),
    runs.map((s) => s.delayedUntil),
    runs.map((s) => s.record.lockedBy ?? null),
    runs.map((s) => s.record.leaseUntil ?? null),
    runs.map((s) => s.recordTail),
  ]);
  const row = res.rows[0];
  const seqs = Array.isArray(row?.['seqs']) ? (row['seqs'] as unknown[]).map(Number) : [];
  if (!row || seqs.length !== staged.length || !seqs.every(Number.isSafeInteger)) throw new Error('store: the change log did not take the events');
  if (int(row, 'updated') !== runs.length) throw new Error('store: a run vanished while committing its events');
  return staged.map((s, i) => {
    const seq = seqs[i]!;
    s.record.lastSeq = seq;
    return eventOf(seq, s.record, s.type, s.data);
  });
}
