import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type * as Esbuild from 'esbuild-wasm';

export type EsbuildApi = typeof Esbuild;

/**
 * Which esbuild builds task files. Native esbuild where a platform `.vsix` ships it (`dist/vendor/esbuild`, with the
 * binary the engine points ESBUILD_BINARY_PATH at) — ten times quicker on a first build; else esbuild-wasm, so the
 * universal `.vsix` needs no native binary (it also runs in VS Code's Electron): the copy esbuild.mjs puts in
 * `dist/vendor/esbuild-wasm/`. From sources (tests via tsx): the `esbuild-wasm` package, or the `esbuild` package
 * with RUNLIGHT_ESBUILD=native. RUNLIGHT_ESBUILD=wasm keeps esbuild-wasm even where native is shipped. Neither may
 * be bundled itself: each finds its service (a binary, or `node <pkg>/bin/esbuild`) relative to its lib/main.js.
 */
export function esbuildLocation(): { main: string; kind: 'native' | 'wasm' } {
  const want = process.env.RUNLIGHT_ESBUILD;
  if (want !== 'wasm') {
    const native = join(__dirname, 'vendor', 'esbuild');
    const bin = join(native, 'bin', process.platform === 'win32' ? 'esbuild.exe' : 'esbuild');
    if (existsSync(join(native, 'lib', 'main.js')) && existsSync(bin)) {
      process.env.ESBUILD_BINARY_PATH = bin;
      return { main: join(native, 'lib', 'main.js'), kind: 'native' };
    }
    if (want === 'native') return { main: createRequire(__filename).resolve('esbuild'), kind: 'native' };
  }
  const vendored = join(__dirname, 'vendor', 'esbuild-wasm', 'lib', 'main.js');
  if (existsSync(vendored)) return { main: vendored, kind: 'wasm' };
  return { main: createRequire(__filename).resolve('esbuild-wasm'), kind: 'wasm' };
}

let api: EsbuildApi | undefined;
let apiKind: 'native' | 'wasm' | undefined;

export function loadEsbuild(): EsbuildApi {
  if (!api) {
    const where = esbuildLocation();
    api = createRequire(__filename)(where.main) as EsbuildApi;
    apiKind = where.kind;
  }
  return api;
}

/** `native` or `wasm`: the esbuild this process builds with. */
export function esbuildKind(): 'native' | 'wasm' {
  loadEsbuild();
  return apiKind ?? 'wasm';
}

let nodeShimDir: string | undefined;

/**
 * esbuild-wasm's API spawns `node` from PATH for its service. Under Electron (`process.versions.electron`)
 * there may be no `node` on PATH at all, so a private temp folder with a `node` symlink to
 * `process.execPath` goes first on PATH (ELECTRON_RUN_AS_NODE=1 makes that binary act as node).
 */
function electronNodeShim(): string | undefined {
  if (!process.versions.electron) return undefined;
  if (nodeShimDir) return nodeShimDir;
  const folder = mkdtempSync(join(tmpdir(), 'runlight-node-'));
  symlinkSync(process.execPath, join(folder, process.platform === 'win32' ? 'node.exe' : 'node'));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  nodeShimDir = folder;
  return folder;
}

/**
 * Calls the esbuild API. The service child is spawned synchronously inside the first call (and again
 * if it ever stopped), so PATH is changed only for the duration of that synchronous call.
 */
export function withEsbuild<T>(fn: (esbuild: EsbuildApi) => T): T {
  const esbuild = loadEsbuild();
  const shim = electronNodeShim();
  if (!shim) return fn(esbuild);
  const savedPath = process.env.PATH;
  const savedFlag = process.env.ELECTRON_RUN_AS_NODE;
  process.env.PATH = savedPath ? `${shim}${delimiter}${savedPath}` : shim;
  process.env.ELECTRON_RUN_AS_NODE = '1';
  try {
    return fn(esbuild);
  } finally {
    if (savedPath === undefined) delete process.env.PATH;
    else process.env.PATH = savedPath;
    if (savedFlag === undefined) delete process.env.ELECTRON_RUN_AS_NODE;
    else process.env.ELECTRON_RUN_AS_NODE = savedFlag;
  }
}

/** Stops esbuild's service (e.g. after it died) so the next call starts a new one. */
export async function restartEsbuild(): Promise<void> {
  await Promise.resolve(loadEsbuild().stop()).catch(() => undefined);
}

/** Something holding esbuild contexts (a bundler): it gives them up before the service stops. */
export interface EsbuildUser {
  /** A build is running. */
  busy(): boolean;
  /** Disposes its contexts (its next build makes new ones). */
  releaseContexts(): Promise<void>;
}

const users = new Set<EsbuildUser>();
let idleTimer: NodeJS.Timeout | undefined;

/** Adds a user of the service; the returned function removes it. */
export function registerEsbuildUser(user: EsbuildUser): () => void {
  users.add(user);
  return () => users.delete(user);
}

/**
 * A build ended: the service (esbuild-wasm's, ~300 MB) stops once no build ran for RUNLIGHT_BUILD_IDLE_MS (default
 * 60 s; 0 keeps it), after its users gave up their contexts. The next build starts it again.
 */
export function esbuildActivity(): void {
  const idleMs = Number(process.env.RUNLIGHT_BUILD_IDLE_MS ?? 60_000);
  clearTimeout(idleTimer);
  if (!(idleMs > 0)) return;
  idleTimer = setTimeout(() => void stopWhenIdle(), idleMs).unref();
}

async function stopWhenIdle(): Promise<void> {
  idleTimer = undefined;
  if (!api || [...users].some((u) => u.busy())) return esbuildActivity();
  await Promise.all([...users].map((u) => u.releaseContexts()));
  // A build that started meanwhile keeps the service.
  if ([...users].some((u) => u.busy())) return esbuildActivity();
  await restartEsbuild();
}
