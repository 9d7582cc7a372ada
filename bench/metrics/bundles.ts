import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { metric, type Metric } from '../lib/metric';
import { repoRoot } from '../lib/procs';

export function buildProduction(): void {
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

function size(rel: string): number | null {
  try {
    return statSync(join(repoRoot, rel)).size;
  } catch {
    return null;
  }
}

/** Sizes of the minified bundles (`node esbuild.mjs --production`) against their budgets (KiB), the ones that build enforces. */
export function bundleMetrics(): Metric[] {
  const one = (name: string, rel: string, limitKb: number): Metric => {
    const s = size(rel);
    const kb = s === null ? null : s / 1024;
    return metric({
      name,
      value: kb,
      unit: 'KB',
      baseline: limitKb,
      ratio: kb === null ? null : kb / limitKb,
      goal: `≤ ${limitKb} KB`,
      pass: kb === null ? null : kb <= limitKb,
      note: kb === null ? `${rel} was not built` : undefined,
    });
  };
  const budgets = JSON.parse(readFileSync(join(repoRoot, 'scripts/bundle-budgets.json'), 'utf8')) as Record<string, number | string>;
  return Object.entries(budgets).flatMap(([rel, kib]) => (typeof kib === 'number' ? [one(`bundle ${rel}`, rel, kib)] : []));
}
