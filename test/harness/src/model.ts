// The demo's local OpenAI-compatible streaming server (examples/demo/scripts/local-llm.mjs), started
// in this process on a free port, with the workspace copy's .env pointed at it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LocalModel {
  /** http://127.0.0.1:PORT/v1 */
  url: string;
  close(): Promise<void>;
}

type StartLocalLlm = (o: { port?: number; tokenMs?: number }) => Promise<{ url: string; port: number; close(): Promise<void> }>;

function isStarter(v: unknown): v is StartLocalLlm {
  return typeof v === 'function';
}

/** Sets (or adds) `KEY=value` in `<dir>/.env`. */
export function setDotenv(dir: string, key: string, value: string): void {
  const file = join(dir, '.env');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const line = `${key}=${value}`;
  const re = new RegExp(`^${key}=.*$`, 'm');
  writeFileSync(file, re.test(text) ? text.replace(re, line) : `${text}${text.endsWith('\n') || !text ? '' : '\n'}${line}\n`);
}

/**
 * Starts the workspace's local model server (scripts/local-llm.mjs exporting startLocalLlm) on a free
 * port and points OPENAI_BASE_URL in the workspace's .env at it. Undefined when there is none.
 */
export async function startLocalModel(workspace: string, { tokenMs = 40 }: { tokenMs?: number } = {}): Promise<LocalModel | undefined> {
  const script = join(workspace, 'scripts', 'local-llm.mjs');
  if (!existsSync(script)) return undefined;
  const mod = (await import(pathToFileURL(script).href)) as Record<string, unknown>;
  const start = mod.startLocalLlm;
  if (!isStarter(start)) return undefined;
  const server = await start({ port: 0, tokenMs });
  setDotenv(workspace, 'OPENAI_BASE_URL', server.url);
  return { url: server.url, close: () => server.close() };
}
