/**
 * Child script for tasks/esbuild.test.ts: bundles one file with `node` absent from PATH. With
 * RUNLIGHT_FAKE_ELECTRON=1 it first pretends to run under Electron, which must make the bundler put
 * a `node` link to process.execPath on the PATH of esbuild's service. Prints a JSON result.
 */
import { bundleTaskFile } from '../../../../src/engine/tasks';

if (process.env.RUNLIGHT_FAKE_ELECTRON === '1') Object.defineProperty(process.versions, 'electron', { value: '99.0.0', enumerable: true });

void (async () => {
  const [dir, file, outDir] = process.argv.slice(2) as [string, string, string];
  const r = await bundleTaskFile(dir, file, outDir);
  process.stdout.write(JSON.stringify({ ok: !r.error, error: r.error, path: process.env.PATH }) + '\n');
  process.exit(0);
})();
