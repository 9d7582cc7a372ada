// Debian Chromium driven by playwright-core, with a private profile.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromiumPath } from './paths';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A fresh persistent Chromium profile in `dir` (HOME, XDG_* and TMPDIR inside it too). */
export async function launchChromium(
  dir: string,
  { headless = process.env.RUNLIGHT_HEADED !== '1', env = {} }: { headless?: boolean; env?: Record<string, string> } = {},
): Promise<BrowserContext> {
  const dirs = {
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'home', '.config'),
    XDG_CACHE_HOME: join(dir, 'home', '.cache'),
    TMPDIR: join(dir, 'tmp'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) baseEnv[k] = v;
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: chromiumPath(),
    headless,
    args: CHROMIUM_ARGS,
    env: { ...baseEnv, ...dirs, ...env },
    viewport: { width: 1440, height: 900 },
    // Clipboard commands (Copy Run ID) need these in a page on http://127.0.0.1.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
}

/** The first page of a persistent context (it always opens one). */
export async function firstPage(context: BrowserContext): Promise<Page> {
  return context.pages()[0] ?? (await context.newPage());
}
