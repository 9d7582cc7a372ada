import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './procs';

/** Installs the test harness (code-server, Playwright's Chromium driver) when missing, as `npm test` does. */
export function installHarness(): void {
  execFileSync('bash', [join(repoRoot, 'scripts/harness-install.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
