import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type * as Esbuild from 'esbuild-wasm';

export type EsbuildApi = typeof Esbuild;

/**
 * esbuild-wasm, so the engine needs no native binary (it also runs in VS Code's Electron).
 * Bundled engine: the copy esbuild.mjs puts in `dist/vendor/esbuild-wasm/` beside the bundle.
 * From sources (tests via tsx): the `esbuild-wasm` package. It must not be bundled itself: its
 * API runs `node <pkg>/bin/esbuild` found relative to its own lib/main.js.
 */
export function esbuildLocation(): string {
  const vendored = join(__dirname, 'vendor', 'esbuild-wasm', 'lib', 'main.js');
  if (existsSync(vendored)) return vendored;
  return createRequire(__filename).resolve('esbuild-wasm');
}

let api: EsbuildApi | undefined;

export function loadEsbuild(): EsbuildApi {
  api ??= createRequire(__filename)(esbuildLocation()) as EsbuildApi;
  return api;
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
