// Compiles the in-host suites to out/integration/ (CommonJS; `vscode` and `mocha` resolved at run time).
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const outDir = join(__dirname, '..', '..', 'out', 'integration');

export async function buildSuites(): Promise<string> {
  const suiteDir = join(__dirname, 'suite');
  const suites = readdirSync(suiteDir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(suiteDir, f));
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: [join(__dirname, 'index.ts'), ...suites],
    outbase: __dirname,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(outDir, 'index.js');
}
