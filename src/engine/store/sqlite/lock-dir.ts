import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { holdsWorkspaceLock } from '../../workspace-lock';

/**
 * node-sqlite3-wasm locks a database by creating the directory `<db>.lock`; a killed process leaves
 * it behind. It may be removed only when no live process can own it: this process holds the
 * workspace lock of the database's folder (so every other engine is dead) and has not opened the
 * database itself.
 */
export interface DbLockedError extends Error {
  code: 'DB_LOCKED';
}

export function clearStaleLockDir(file: string, openHere: boolean): void {
  const lockDir = `${file}.lock`;
  if (!existsSync(lockDir)) return;
  if (!openHere && holdsWorkspaceLock(dirname(file))) {
    if (statSync(lockDir).isDirectory()) rmSync(lockDir, { recursive: true, force: true });
    return;
  }
  throw dbLocked(file, openHere);
}

export function dbLocked(file: string, openHere: boolean): DbLockedError {
  const why = openHere
    ? 'it is already open in this process'
    : `another process holds it (${file}.lock); if no Runlight engine is running for this workspace, starting the engine clears a stale lock`;
  const err = new Error(`SQLite database ${file} is locked: ${why}.`) as DbLockedError;
  err.code = 'DB_LOCKED';
  return err;
}
