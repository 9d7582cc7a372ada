// Where things are: the repository, the harness and the programs it drives.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root (the folder holding the extension's package.json). */
export const repoRoot = resolve(__dirname, '..', '..', '..');
export const harnessDir = join(repoRoot, 'test', 'harness');
export const harnessModules = join(harnessDir, 'node_modules');
export const codeServerEntry = join(harnessModules, 'code-server', 'out', 'node', 'entry.js');
export const demoFolder = join(repoRoot, 'examples', 'demo');
export const resultsDir = join(repoRoot, 'test-results');
export const screenshotsDir = join(resultsDir, 'screenshots');

/** Debian's Chromium, or RUNLIGHT_CHROMIUM. */
export function chromiumPath(): string {
  const candidates = [process.env.RUNLIGHT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('Chromium not found: apt-get install -y chromium, or set RUNLIGHT_CHROMIUM');
}

export function assertHarnessInstalled(): void {
  if (!existsSync(codeServerEntry)) {
    throw new Error(`the test harness is not installed (${dirname(codeServerEntry)}): run npm run harness:install`);
  }
}
