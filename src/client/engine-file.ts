import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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

/** A new workspace secret key: `rl_dev_` + 32 random bytes, base64url. */
export function generateSecretKey(): string {
  return `rl_dev_${randomBytes(32).toString('base64url')}`;
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
