import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describeError } from '../../shared/errors';

/**
 * The dotenv files of a workspace, in the order `trigger dev` reads them. A variable set in several keeps
 * the value of the first file that sets it (dotenv's rule for several files): `.env` wins over
 * `.env.development`, which wins over `.env.local`, which wins over `.env.development.local`.
 */
export const WORKSPACE_ENV_FILES: readonly string[] = ['.env', '.env.development', '.env.local', '.env.development.local'];

/** Set by the engine for each attempt (how a task reaches this engine); a file's values for them are dropped, as upstream does. */
const ENGINE_PROVIDED = ['TRIGGER_API_URL', 'TRIGGER_SECRET_KEY'];

/**
 * The variables of the workspace's dotenv files (WORKSPACE_ENV_FILES, Node's own dotenv parser), for the
 * engine to pass to task workers. As with `trigger dev`, these values win over the same names in the
 * engine's own environment (the engine spreads them after `process.env`). Missing files give nothing.
 * Values are secrets: never log them.
 */
export function loadWorkspaceEnv(dir: string): Record<string, string> {
  const vars = new Map<string, string>();
  for (const name of WORKSPACE_ENV_FILES) {
    const path = join(dir, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') continue;
      throw new Error(`could not read ${path}: ${describeError(err)}`, { cause: err });
    }
    for (const [k, v] of Object.entries(parseEnv(text))) if (v !== undefined && !vars.has(k)) vars.set(k, v);
  }
  for (const k of ENGINE_PROVIDED) vars.delete(k);
  return Object.fromEntries(vars);
}
