import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describeError } from '../../shared/errors';

/**
 * The variables of `<dir>/.env` (Node's own dotenv parser, Node ≥ 20.12), for the engine to pass
 * to task workers. A missing file gives `{}`. Values are secrets: never log them.
 */
export function loadWorkspaceEnv(dir: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(join(dir, '.env'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') return {};
    throw new Error(`could not read ${join(dir, '.env')}: ${describeError(err)}`, { cause: err });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseEnv(text))) if (v !== undefined) out[k] = v;
  return out;
}
