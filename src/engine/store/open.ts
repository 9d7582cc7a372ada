import { join } from 'node:path';
import { SqliteRunStore } from './sqlite';
import type { RunStore } from './types';

export const SQLITE_FILE = 'runlight.db';

/**
 * Opens the store named by `spec` (the engine's `store` option):
 * - `undefined` or `sqlite`: SQLite at `<runlightDir>/runlight.db`. Take the workspace lock
 *   (acquireWorkspaceLock(runlightDir)) first: only then may a stale SQLite lock be cleared.
 * - `postgres://…` / `postgresql://…`: Postgres (`pg` is loaded only then).
 * The returned store is open (migrations applied).
 */
export async function openStore(spec: string | undefined, runlightDir: string): Promise<RunStore> {
  const store = await createStore(spec, runlightDir);
  await store.open();
  return store;
}

async function createStore(spec: string | undefined, runlightDir: string): Promise<RunStore> {
  const value = spec?.trim();
  if (value === undefined || value === '' || value.toLowerCase() === 'sqlite') {
    // Automatic checkpoints would stall the event loop mid-stream: the engine checkpoints when idle (and every
    // few thousand commits under sustained load); the large automatic threshold is only a backstop.
    return new SqliteRunStore({ file: join(runlightDir, SQLITE_FILE), walAutocheckpoint: 10_000 });
  }
  if (/^postgres(ql)?:\/\//i.test(value)) {
    const { PostgresRunStore } = await import('./postgres');
    return new PostgresRunStore({ connectionString: value });
  }
  throw new Error(`Unknown store "${redact(value)}": use "sqlite" or a postgres:// URL`);
}

/** Never echo a password from a mistyped URL. */
function redact(spec: string): string {
  return spec.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
