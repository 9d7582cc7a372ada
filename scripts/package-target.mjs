// `npm run package:target [-- T...]`: a platform .vsix per VS Code target T (default: this machine's), each with
// native esbuild (dist/vendor/esbuild) beside the universal build's esbuild-wasm; then dist/ is built universal again.
//   runlight-<version>-<T>.vsix   install with: code --install-extension runlight-<version>-<T>.vsix
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESBUILD_PLATFORMS, hostTarget } from './vendor-esbuild.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const targets = process.argv.slice(2).length ? process.argv.slice(2) : [hostTarget()];
for (const t of targets) if (!ESBUILD_PLATFORMS[t]) throw new Error(`unknown target "${t}"; one of ${Object.keys(ESBUILD_PLATFORMS).join(', ')}`);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsce = join(root, 'node_modules/.bin/vsce');
try {
  for (const t of targets) {
    // The env reaches vsce's prepublish build too (`node esbuild.mjs --production --if-stale`), which keeps the target.
    const env = { ...process.env, RUNLIGHT_ESBUILD_TARGET: t };
    execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, env, stdio: 'inherit' });
    execFileSync(vsce, ['package', '--target', t, '-o', `runlight-${version}-${t}.vsix`], { cwd: root, env, stdio: 'inherit' });
  }
} finally {
  const env = { ...process.env };
  delete env.RUNLIGHT_ESBUILD_TARGET;
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, env, stdio: 'inherit' });
}
