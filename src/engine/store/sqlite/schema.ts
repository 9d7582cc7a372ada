import type { SqlDatabase as Database } from './driver';

/**
 * Versioned schema of the SQLite store. `PRAGMA user_version` holds the number of applied
 * migrations; each pending one runs in its own transaction together with the version bump.
 * Append new migrations at the end; never edit an applied one.
 */
export const MIGRATIONS: ReadonlyArray<(db: Database) => void> = [
  // 1: initial schema. Times are epoch milliseconds; `data` is the whole RunRecord as JSON text.
  (db) => {
    db.exec(`
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        task_identifier TEXT NOT NULL,
        status TEXT NOT NULL,
        batch_id TEXT,
        created_at INTEGER NOT NULL,
        idempotency_key TEXT,
        last_seq INTEGER NOT NULL,
        delayed_until INTEGER,
        locked_by TEXT,
        lease_until INTEGER,
        data TEXT NOT NULL
      );
      CREATE INDEX runs_created ON runs (created_at, id);
      CREATE INDEX runs_last_seq ON runs (last_seq);
      CREATE INDEX runs_task ON runs (task_identifier, created_at);
      CREATE INDEX runs_batch ON runs (batch_id) WHERE batch_id IS NOT NULL;
      CREATE INDEX runs_idempotency ON runs (task_identifier, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX runs_queued ON runs (created_at, id) WHERE status = 'QUEUED';
      CREATE INDEX runs_lease ON runs (lease_until) WHERE lease_until IS NOT NULL;

      CREATE TABLE run_tags (
        run_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX run_tags_tag ON run_tags (tag, run_id);

      CREATE TABLE run_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        type TEXT NOT NULL,
        tags TEXT NOT NULL,
        batch_id TEXT,
        data TEXT NOT NULL
      );
      CREATE INDEX run_events_run ON run_events (run_id, seq);

      CREATE TABLE stream_chunks (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        idx INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, key, idx)
      ) WITHOUT ROWID;

      CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        run_count INTEGER NOT NULL
      );

      CREATE TABLE used_tokens (
        hash TEXT PRIMARY KEY,
        used_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
  // 2: wait tokens (Trigger.dev's waitpoint tokens). `tags` is a JSON array of distinct tags.
  (db) => {
    db.exec(`
      CREATE TABLE wait_tokens (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        completed_at INTEGER,
        timeout_at INTEGER,
        idempotency_key TEXT,
        idempotency_key_expires_at INTEGER,
        tags TEXT NOT NULL,
        output TEXT,
        callback_secret TEXT NOT NULL
      );
      CREATE INDEX wait_tokens_created ON wait_tokens (created_at, id);
      CREATE INDEX wait_tokens_idempotency ON wait_tokens (idempotency_key, created_at) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX wait_tokens_due ON wait_tokens (timeout_at) WHERE status = 'WAITING' AND timeout_at IS NOT NULL;
    `);
  },
  // schedules: cron schedules of scheduled tasks (declarative and imperative). `active` and
  // `user_deduplication_key` are 0/1; next_tick_at is NULL while inactive.
  (db) => {
    db.exec(`
      CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        task_identifier TEXT NOT NULL,
        cron TEXT NOT NULL,
        timezone TEXT NOT NULL,
        active INTEGER NOT NULL,
        external_id TEXT,
        deduplication_key TEXT NOT NULL UNIQUE,
        user_deduplication_key INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        next_tick_at INTEGER,
        last_tick_at INTEGER
      );
      CREATE INDEX schedules_created ON schedules (created_at, id);
      CREATE INDEX schedules_due ON schedules (next_tick_at) WHERE active = 1 AND next_tick_at IS NOT NULL;
    `);
  },
  // queues: each run's queue, concurrency key and priority; claims go in queued_order (created_at minus the
  // priority, in ms) and respect the limits in queue_limits (only queues that have one).
  (db) => {
    db.exec(`
      ALTER TABLE runs ADD COLUMN queue TEXT NOT NULL DEFAULT '';
      ALTER TABLE runs ADD COLUMN concurrency_key TEXT NOT NULL DEFAULT '';
      ALTER TABLE runs ADD COLUMN priority REAL NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN queued_order INTEGER NOT NULL DEFAULT 0;
      UPDATE runs SET queue = 'task/' || task_identifier, queued_order = created_at;
      DROP INDEX runs_queued;
      CREATE INDEX runs_queued ON runs (queued_order, id) WHERE status = 'QUEUED';
      CREATE INDEX runs_queue_active ON runs (queue, concurrency_key) WHERE status IN ('DEQUEUED', 'EXECUTING');
      CREATE TABLE queue_limits (
        name TEXT PRIMARY KEY,
        concurrency_limit INTEGER NOT NULL
      );
    `);
  },
  // idempotency: when a run's idempotency key stops finding it (epoch ms; NULL: never, for runs from before).
  (db) => {
    db.exec('ALTER TABLE runs ADD COLUMN idempotency_key_expires_at INTEGER');
  },
  // parent: a run's children are found by its id (the runs list's `filter[parentRunId]`).
  (db) => {
    db.exec(`
      ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
      UPDATE runs SET parent_run_id = json_extract(data, '$.parentRunId');
      CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
    `);
  },
  // retention of spent records: a used one-time token's hash is kept until the token expires (NULL: from before,
  // kept); settled wait tokens are found by when they settled.
  (db) => {
    db.exec(`
      ALTER TABLE used_tokens ADD COLUMN expires_at INTEGER;
      CREATE INDEX used_tokens_expiry ON used_tokens (expires_at) WHERE expires_at IS NOT NULL;
      CREATE INDEX wait_tokens_settled ON wait_tokens (completed_at) WHERE status <> 'WAITING';
    `);
  },
];

/** Applies the pending migrations; refuses a database written by a newer Runlight. */
export function migrate(db: Database, file: string): void {
  const current = userVersion(db);
  if (current > MIGRATIONS.length) {
    throw new Error(`store: ${file} has schema version ${current}, newer than this Runlight knows (${MIGRATIONS.length}); update Runlight`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const step = MIGRATIONS[version];
    if (!step) break;
    db.exec('BEGIN IMMEDIATE');
    try {
      step(db);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }
}

export function userVersion(db: Database): number {
  const row = db.get('PRAGMA user_version');
  const v = row?.['user_version'];
  return typeof v === 'number' ? v : 0;
}
