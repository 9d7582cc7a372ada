// Native esbuild for a platform `.vsix` (`npm run package:target`): esbuild's JS API and the binary of one platform,
// copied to <dist>/vendor/esbuild, where the engine looks first. The universal `.vsix` has none and uses esbuild-wasm.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** VS Code's platform targets (`vsce package --target`) → the @esbuild package holding that platform's binary. */
export const ESBUILD_PLATFORMS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'linux-armhf': 'linux-arm',
  'alpine-x64': 'linux-x64',
  'alpine-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

/** The VS Code target of this machine, e.g. linux-x64. */
export function hostTarget() {
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  return `${process.platform}-${arch}`;
}

/** Copies native esbuild for `target` into `<distDir>/vendor/esbuild`; with no target, removes it. */
export function vendorNativeEsbuild(root, distDir, target) {
  const out = join(distDir, 'vendor/esbuild');
  rmSync(out, { recursive: true, force: true });
  if (!target) return undefined;
  const platform = ESBUILD_PLATFORMS[target];
  if (!platform) throw new Error(`unknown target "${target}"; one of ${Object.keys(ESBUILD_PLATFORMS).join(', ')}`);
  const { version } = JSON.parse(readFileSync(join(root, 'node_modules/esbuild/package.json'), 'utf8'));
  const pkgDir = join(root, 'node_modules/@esbuild', platform);
  const exe = platform.startsWith('win32') ? 'esbuild.exe' : 'bin/esbuild';
  if (!existsSync(join(pkgDir, exe))) {
    throw new Error(`no esbuild binary for ${target} in node_modules; add it with: npm install --no-save --force @esbuild/${platform}@${version}`);
  }
  for (const f of ['package.json', 'lib/main.js', 'LICENSE.md']) {
    mkdirSync(dirname(join(out, f)), { recursive: true });
    cpSync(join(root, 'node_modules/esbuild', f), join(out, f));
  }
  const bin = join(out, 'bin', platform.startsWith('win32') ? 'esbuild.exe' : 'esbuild');
  mkdirSync(dirname(bin), { recursive: true });
  cpSync(join(pkgDir, exe), bin);
  chmodSync(bin, 0o755);
  return bin;
}
