import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
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

/** Sizes of the minified bundles (`node esbuild.mjs --production`). */
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
  return [one('bundle dist/extension.js', 'dist/extension.js', 400), one('bundle dist/webview/main.js', 'dist/webview/main.js', 120)];
}
