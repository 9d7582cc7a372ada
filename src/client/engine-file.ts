import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineInfo } from '../protocol/api';
import { routes } from '../protocol/routes';
import { describeError } from '../shared/errors';

/** Finding a workspace's running engine: `<dir>/.runlight/engine.json`, its secret key, and a health check. */

export const RUNLIGHT_DIR = '.runlight';

export function engineFilePath(dir: string): string {
  return join(dir, RUNLIGHT_DIR, 'engine.json');
}

export function secretKeyPath(dir: string): string {
  return join(dir, RUNLIGHT_DIR, 'secret-key');
}

/**
 * Where Node 22.1 and later (as in VS Code's current releases) keeps the compiled code of the engine's and the
 * workers' bundles between starts, given as `NODE_COMPILE_CACHE` to the processes Runlight starts: ~30 ms off the
 * engine's start, ~10 ms off a worker's. Node keys each entry by the file and its content; older Node ignores it.
 */
export function compileCacheDir(dir: string): string {
  return join(dir, RUNLIGHT_DIR, 'compile-cache');
}

/** A new workspace secret key: `rl_dev_` + 32 random bytes, base64url. */
export function generateSecretKey(): string {
  return `rl_dev_${randomBytes(32).toString('base64url')}`;
}

/**
 * Creates `<dir>/.runlight/` if needed, with a `.gitignore` of `*`: it holds the secret key and a database of every
 * payload and output, which must never be committed.
 */
export async function ensureRunlightDir(dir: string): Promise<string> {
  const runlightDir = join(dir, RUNLIGHT_DIR);
  await mkdir(runlightDir, { recursive: true });
  await writeFile(join(runlightDir, '.gitignore'), '# Written by Runlight: nothing here belongs in version control.\n*\n', { flag: 'wx' }).catch(
    (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    },
  );
  return runlightDir;
}

/**
 * The workspace's secret key, `<dir>/.runlight/secret-key` (mode 0600), generated on first use: the engine the
 * extension starts, `runlight dev`, the CLI, the official SDK and every window on the workspace share it.
 */
export async function ensureSecretKey(dir: string): Promise<string> {
  const file = secretKeyPath(dir);
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key) {
      await chmod(file, 0o600);
      return key;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await ensureRunlightDir(dir);
  const key = generateSecretKey();
  // `wx`: when two processes start at once, the one that loses the race reads the winner's key.
  try {
    await writeFile(file, key + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw e;
  }
  await chmod(file, 0o600);
  return key;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class EngineFileError extends Error {
  override readonly name = 'EngineFileError';
}

/** The engine.json of `dir`, or undefined when there is none. Throws EngineFileError when it is malformed. */
export async function readEngineInfo(dir: string): Promise<EngineInfo | undefined> {
  const path = engineFilePath(dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EngineFileError(`cannot read ${path}: ${describeError(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EngineFileError(`${path} is not valid JSON`);
  }
  const parsed = EngineInfo.safeParse(json);
  if (!parsed.success)
    throw new EngineFileError(`${path} is not an engine file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** True when `GET <url>/healthz` answers 2xx within `timeoutMs`. */
export async function isEngineAlive(url: string, options: { accessToken?: string; timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<boolean> {
  const headers: Record<string, string> = {};
  if (options.accessToken) headers.Authorization = `Bearer ${options.accessToken}`;
  try {
    const res = await (options.fetch ?? fetch)(url.replace(/\/+$/, '') + routes.health(), {
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
    });
    await res.body?.cancel().catch(() => undefined);
    return res.ok;
  } catch {
    return false;
  }
}

/** The secret key for `dir`: `RUNLIGHT_SECRET_KEY` (or `TRIGGER_SECRET_KEY`) from `env`, else `<dir>/.runlight/secret-key`. */
export async function readSecretKey(dir: string, env: Record<string, string | undefined> = process.env): Promise<string | undefined> {
  const fromEnv = env.RUNLIGHT_SECRET_KEY || env.TRIGGER_SECRET_KEY;
  if (fromEnv) return fromEnv.trim();
  try {
    const key = (await readFile(secretKeyPath(dir), 'utf8')).trim();
    return key || undefined;
  } catch {
    return undefined;
  }
}

export type EngineLookup = { state: 'running'; info: EngineInfo } | { state: 'stale'; info: EngineInfo } | { state: 'absent' };

/** Reads engine.json and checks the engine answers. `stale` = the file exists but nothing healthy listens there. */
export async function findEngine(dir: string, options: { accessToken?: string; timeoutMs?: number } = {}): Promise<EngineLookup> {
  const info = await readEngineInfo(dir);
  if (!info) return { state: 'absent' };
  return (await isEngineAlive(info.url, options)) ? { state: 'running', info } : { state: 'stale', info };
}
