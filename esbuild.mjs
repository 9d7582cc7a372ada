// Builds every bundle of Runlight. `node esbuild.mjs [--production] [--watch] [--if-stale]`.
//   --production  minified, no sourcemaps; fails when a bundle is over its budget (scripts/bundle-budgets.json)
//   --if-stale    does nothing when dist/ was built from exactly these sources (and, with --production, as a
//                 production build): `npm test` builds once and its suites' own build steps find it fresh
//   --target=T    (or RUNLIGHT_ESBUILD_TARGET=T) also puts native esbuild for VS Code target T (linux-x64, darwin-arm64,
//                 win32-x64, …) in dist/vendor/esbuild, for a platform .vsix; without it dist has esbuild-wasm only
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSdkTypes } from './scripts/sdk-types.mjs';
import { vendorNativeEsbuild } from './scripts/vendor-esbuild.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const ifStale = process.argv.includes('--if-stale');
const platformTarget = process.argv.find((a) => a.startsWith('--target='))?.slice('--target='.length) || process.env.RUNLIGHT_ESBUILD_TARGET || undefined;
const stampFile = join(root, 'dist/.build-stamp.json');

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
  // Loaded by VS Code's TypeScript server (packages/runlight-ts-plugin), which provides `typescript` itself.
  { ...node, entryPoints: { 'ts-plugin': 'src/ts-plugin/index.ts' }, outdir: 'dist', external: ['typescript'] },
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
  vendorNativeEsbuild(root, join(root, 'dist'), platformTarget);
}

/** A hash of everything the bundles are built from. */
function sourcesHash() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else hash.update(p.slice(root.length)).update(readFileSync(p));
    }
  };
  walk(join(root, 'src'));
  for (const f of ['esbuild.mjs', 'package.json', 'package-lock.json', 'scripts/bundle-budgets.json']) hash.update(f).update(readFileSync(join(root, f)));
  return hash.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Fails the production build when a bundle is over its budget. */
function checkBudgets() {
  const budgets = JSON.parse(readFileSync(join(root, 'scripts/bundle-budgets.json'), 'utf8'));
  const over = Object.entries(budgets)
    .filter(([file]) => !file.startsWith('/'))
    .map(([file, kib]) => ({ file, kib, size: statSync(join(root, file)).size / 1024 }))
    .filter((b) => b.size > b.kib);
  for (const b of over) console.error(`esbuild.mjs: ${b.file} is ${b.size.toFixed(1)} KiB, over its budget of ${b.kib} KiB (scripts/bundle-budgets.json)`);
  if (over.length) process.exit(1);
}

const hash = watch ? undefined : sourcesHash();
const stamp = readStamp();
if (
  ifStale &&
  stamp?.hash === hash &&
  (stamp.production || !production) &&
  (stamp.target ?? undefined) === platformTarget &&
  builds.every((b) => Object.keys(b.entryPoints).every((n) => existsSync(join(root, b.outdir, `${n}.js`))))
) {
  process.exit(0);
}
copyAssets();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  writeSdkTypes(root);
  if (production) checkBudgets();
  writeFileSync(stampFile, JSON.stringify({ hash, production, ...(platformTarget ? { target: platformTarget } : {}) }) + '\n');
}
