// Builds every bundle of Runlight. `node esbuild.mjs [--production] [--watch]`.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Node-side bundles: CommonJS, Node 20, `vscode` provided by the host. */
const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  external: ['vscode'],
  absWorkingDir: root,
};

const builds = [
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { worker: 'src/worker/main.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { sdk: 'src/sdk/index.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  {
    ...node,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    entryPoints: { main: 'src/webview/main.ts' },
    outdir: 'dist/webview',
    external: [],
  },
].filter((b) => Object.values(b.entryPoints).every((p) => existsSync(join(root, p))));

/** Runtime assets the bundles load from beside themselves. */
function copyAssets() {
  // Codicons for the run panel webview (the webview cannot load VS Code's own copy).
  mkdirSync(join(root, 'media/codicons'), { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(root, 'node_modules/@vscode/codicons/dist', f), join(root, 'media/codicons', f));
  mkdirSync(join(root, 'dist/vendor'), { recursive: true });
  cpSync(join(root, 'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), join(root, 'dist/node-sqlite3-wasm.wasm'));
  const ew = join(root, 'node_modules/esbuild-wasm');
  const out = join(root, 'dist/vendor/esbuild-wasm');
  for (const f of ['package.json', 'esbuild.wasm', 'wasm_exec.js', 'wasm_exec_node.js', 'lib/main.js', 'bin/esbuild', 'LICENSE.md']) {
    mkdirSync(dirname(join(out, f)), { recursive: true });
    cpSync(join(ew, f), join(out, f));
  }
}

copyAssets();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
