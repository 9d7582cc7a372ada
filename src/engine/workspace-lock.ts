import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { uptime } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import * as z from 'zod/mini';
import { isPidAlive } from '../client/engine-file';
import { parseJsonAs } from '../protocol/parse';

/**
 * One engine per workspace: `<runlightDir>/engine.lock` is created with O_EXCL and holds
 * `{ pid, startedAt }`. A lock whose pid is dead (or that predates the last boot) is taken over.
 */

export interface WorkspaceLock {
  /** The lock file. */
  readonly file: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export interface EngineRunningError extends Error {
  code: 'ENGINE_RUNNING';
  pid: number;
}

const LockContent = z.object({ pid: z.number().check(z.int()), startedAt: z.string() });
type LockContent = z.infer<typeof LockContent>;

/** runlightDir (resolved) → content of the lock this process holds. */
const held = new Map<string, string>();

export const LOCK_FILE = 'engine.lock';

/** True while this process holds the workspace lock of `runlightDir` (used to clear stale SQLite locks). */
export function holdsWorkspaceLock(runlightDir: string): boolean {
  const dir = resolve(runlightDir);
  const content = held.get(dir);
  return content !== undefined && readText(join(dir, LOCK_FILE)) === content;
}

/**
 * Takes the workspace lock of `runlightDir` (the `.runlight` folder; created if missing).
 * Throws an EngineRunningError (`code === 'ENGINE_RUNNING'`) while a live process holds it.
 */
export async function acquireWorkspaceLock(runlightDir: string): Promise<WorkspaceLock> {
  const dir = resolve(runlightDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const content = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies LockContent);

  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, content)) {
      held.set(dir, content);
      return lockHandle(dir, file, content);
    }
    const existing = readText(file);
    if (existing === undefined) continue; // released meanwhile: try again
    const owner = parseLock(existing);
    if (owner && isOwnerAlive(owner)) throw engineRunning(owner.pid, dir);
    takeOver(file, existing);
  }
  throw new Error(`Could not take the workspace lock ${file}: it keeps changing; is another engine starting?`);
}

function lockHandle(dir: string, file: string, content: string): WorkspaceLock {
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      if (held.get(dir) === content) held.delete(dir);
      if (readText(file) === content) {
        try {
          unlinkSync(file);
        } catch (err) {
          if (!isCode(err, 'ENOENT')) throw err;
        }
      }
    },
  };
}

function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if (isCode(err, 'EEXIST')) return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a dead owner's lock without racing another process doing the same: the stale file is
 * renamed aside (atomic; only one renamer wins), and if what was moved is not the stale content we
 * saw (a live engine took over in between), it is put back.
 */
function takeOver(file: string, staleContent: string): void {
  const aside = `${file}.${process.pid}.${Date.now()}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return;
    throw err;
  }
  const moved = readText(aside);
  if (moved === staleContent) {
    unlinkSync(aside);
    return;
  }
  // Someone else's fresh lock: put it back atomically (link fails if yet another lock appeared,
  // a three-way race we accept losing the same way O_EXCL would).
  try {
    linkSync(aside, file);
  } catch (err) {
    if (!isCode(err, 'EEXIST')) throw err;
  } finally {
    unlinkSync(aside);
  }
}

function parseLock(text: string): LockContent | undefined {
  return parseJsonAs(LockContent, text);
}

/** Alive = the pid exists (EPERM counts as alive) and the lock was written after the last boot. */
function isOwnerAlive(owner: LockContent): boolean {
  const bootMs = Date.now() - uptime() * 1000;
  const startedMs = Date.parse(owner.startedAt);
  if (!Number.isNaN(startedMs) && startedMs < bootMs - 60_000) return false;
  return isPidAlive(owner.pid);
}

function engineRunning(pid: number, runlightDir: string): EngineRunningError {
  const workspace = basename(runlightDir) === '.runlight' ? dirname(runlightDir) : runlightDir;
  const err = new Error(
    `Another Runlight engine (pid ${pid}) is already running for this workspace (${workspace}); stop it or attach to it.`,
  ) as EngineRunningError;
  err.code = 'ENGINE_RUNNING';
  err.pid = pid;
  return err;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw err;
  }
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
