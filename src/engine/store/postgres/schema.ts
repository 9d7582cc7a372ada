import type { PoolClient } from 'pg';

/**
 * Versioned schema of the Postgres store, in table `runlight_schema_version` (one row).
 * Nodes starting together serialise on a session advisory lock; each pending migration runs in
 * its own transaction together with the version bump. Append new migrations; never edit one.
 */
export const MIGRATIONS: ReadonlyArray<string> = [
  // 1: initial schema. Times are epoch milliseconds; runs.data is the whole RunRecord
  // (json, not jsonb: kept verbatim, and jsonb cannot hold U+0000 in strings).
  `
  CREATE TABLE runs (
    id text PRIMARY KEY,
    task_identifier text NOT NULL,
    status text NOT NULL,
    batch_id text,
    created_at bigint NOT NULL,
    idempotency_key text,
    last_seq bigint NOT NULL,
    delayed_until bigint,
    locked_by text,
    lease_until bigint,
    tags text[] NOT NULL DEFAULT '{}',
    data json NOT NULL
  );
  CREATE INDEX runs_created ON runs (created_at, id);
  CREATE INDEX runs_last_seq ON runs (last_seq);
  CREATE INDEX runs_task ON runs (task_identifier, created_at);
  CREATE INDEX runs_batch ON runs (batch_id) WHERE batch_id IS NOT NULL;
  CREATE INDEX runs_idempotency ON runs (task_identifier, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX runs_queued ON runs (created_at, id) WHERE status = 'QUEUED';
  CREATE INDEX runs_lease ON runs (lease_until) WHERE lease_until IS NOT NULL;
  CREATE INDEX runs_tags ON runs USING gin (tags);

  CREATE TABLE run_events (
    seq bigserial PRIMARY KEY,
    run_id text NOT NULL,
    type text NOT NULL,
    tags text[] NOT NULL,
    batch_id text,
    data text NOT NULL
  );
  CREATE INDEX run_events_run ON run_events (run_id, seq);

  CREATE TABLE stream_chunks (
    run_id text NOT NULL,
    key text NOT NULL,
    idx integer NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (run_id, key, idx)
  );

  CREATE TABLE batches (
    id text PRIMARY KEY,
    created_at bigint NOT NULL,
    run_count integer NOT NULL
  );

  CREATE TABLE used_tokens (
    hash text PRIMARY KEY,
    used_at bigint NOT NULL
  );
  `,
  // 2: wait tokens (Trigger.dev's waitpoint tokens).
  `
  CREATE TABLE wait_tokens (
    id text PRIMARY KEY,
    status text NOT NULL,
    created_at bigint NOT NULL,
    completed_at bigint,
    timeout_at bigint,
    idempotency_key text,
    idempotency_key_expires_at bigint,
    tags text[] NOT NULL DEFAULT '{}',
    output text,
    callback_secret text NOT NULL
  );
  CREATE INDEX wait_tokens_created ON wait_tokens (created_at, id);
  CREATE INDEX wait_tokens_idempotency ON wait_tokens (idempotency_key, created_at) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX wait_tokens_due ON wait_tokens (timeout_at) WHERE status = 'WAITING' AND timeout_at IS NOT NULL;
  CREATE INDEX wait_tokens_tags ON wait_tokens USING gin (tags);
  `,
  // schedules: cron schedules of scheduled tasks (declarative and imperative); next_tick_at is NULL while inactive.
  `
  CREATE TABLE schedules (
    id text PRIMARY KEY,
    type text NOT NULL,
    task_identifier text NOT NULL,
    cron text NOT NULL,
    timezone text NOT NULL,
    active boolean NOT NULL,
    external_id text,
    deduplication_key text NOT NULL UNIQUE,
    user_deduplication_key boolean NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    next_tick_at bigint,
    last_tick_at bigint
  );
  CREATE INDEX schedules_created ON schedules (created_at, id);
  CREATE INDEX schedules_due ON schedules (next_tick_at) WHERE active AND next_tick_at IS NOT NULL;
  `,
  // queues: each run's queue, concurrency key and priority; claims go in queued_order (created_at minus the
  // priority, in ms) and respect the limits in queue_limits (only queues that have one).
  `
  ALTER TABLE runs ADD COLUMN queue text NOT NULL DEFAULT '';
  ALTER TABLE runs ADD COLUMN concurrency_key text NOT NULL DEFAULT '';
  ALTER TABLE runs ADD COLUMN priority double precision NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN queued_order bigint NOT NULL DEFAULT 0;
  UPDATE runs SET queue = 'task/' || task_identifier, queued_order = created_at;
  DROP INDEX runs_queued;
  CREATE INDEX runs_queued ON runs (queued_order, id) WHERE status = 'QUEUED';
  CREATE INDEX runs_queue_active ON runs (queue, concurrency_key) WHERE status IN ('DEQUEUED', 'EXECUTING');
  CREATE TABLE queue_limits (
    name text PRIMARY KEY,
    concurrency_limit integer NOT NULL
  );
  `,
  // idempotency: when a run's idempotency key stops finding it (epoch ms; NULL: never, for runs from before).
  `ALTER TABLE runs ADD COLUMN idempotency_key_expires_at bigint`,
  // parent: a run's children are found by its id (the runs list's `filter[parentRunId]`).
  // A column, not an index on data->>'parentRunId': that would parse every stored document, and a document holding
  // \u0000 cannot be read as text. The backfill reads the text for the same reason.
  `
  ALTER TABLE runs ADD COLUMN parent_run_id text;
  UPDATE runs SET parent_run_id = substring(data::text from '"parentRunId":"([^"]+)"');
  CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
  `,
  // retention of spent records: a used one-time token's hash is kept until the token expires (NULL: from before,
  // kept); settled wait tokens are found by when they settled.
  `
  ALTER TABLE used_tokens ADD COLUMN expires_at bigint;
  CREATE INDEX used_tokens_expiry ON used_tokens (expires_at) WHERE expires_at IS NOT NULL;
  CREATE INDEX wait_tokens_settled ON wait_tokens (completed_at) WHERE status <> 'WAITING';
  `,
];

/** Session advisory lock key taken while migrating ("runlight" schema). */
const MIGRATION_LOCK = 0x52_4c_53_01;

export async function migrate(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS runlight_schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)');
    await client.query('INSERT INTO runlight_schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
    const res = await client.query<{ version: number }>('SELECT version FROM runlight_schema_version WHERE id = 1');
    const current = Number(res.rows[0]?.version ?? 0);
    if (current > MIGRATIONS.length) {
      throw new Error(`store: database schema version ${current} is newer than this Runlight knows (${MIGRATIONS.length}); update Runlight`);
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version] ?? '');
        await client.query('UPDATE runlight_schema_version SET version = $1 WHERE id = 1', [version + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
