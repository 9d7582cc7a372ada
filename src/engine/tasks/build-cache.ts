import { readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * A record beside each bundle of what it was built from (every input file, node_modules included,
 * by mtime and size, plus the workspace's package.json/tsconfig.json and the esbuild version), so an
 * engine restart reuses bundles whose inputs did not change instead of rebuilding them.
 */
const FORMAT = 1;
const CONFIG_FILES = ['package.json', 'tsconfig.json', 'jsconfig.json'];

interface Manifest {
  format: number;
  esbuild: string;
  entry: string;
  stamps: Record<string, string>;
  local: string[];
}

export function manifestPathFor(bundlePath: string): string {
  return `${bundlePath}.inputs.json`;
}

async function stampOf(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

async function stamps(root: string, files: readonly string[]): Promise<Record<string, string>> {
  const all = [...files, ...CONFIG_FILES.map((f) => join(root, f))];
  const values = await Promise.all(all.map(stampOf));
  return Object.fromEntries(all.map((f, i) => [f, values[i]!]));
}

/** The esbuild metafile's input keys as absolute paths (virtual modules left out). */
export function metafileInputs(root: string, inputs: Record<string, unknown>): string[] {
  return Object.keys(inputs)
    .filter((p) => !p.includes(':') || isAbsolute(p))
    .map((p) => resolve(root, p));
}

/** The record for a bundle just built from `inputs` (`local`: the ones outside node_modules, for watching). */
export async function makeManifest(
  root: string,
  entry: string,
  inputs: readonly string[],
  local: readonly string[],
  esbuildVersion: string,
): Promise<Manifest> {
  return { format: FORMAT, esbuild: esbuildVersion, entry, stamps: await stamps(root, inputs), local: [...local] };
}

/** The local inputs of a bundle still current on disk, or undefined when it must be rebuilt. */
export async function reusableBundle(root: string, entry: string, bundlePath: string, esbuildVersion: string): Promise<string[] | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPathFor(bundlePath), 'utf8')) as Manifest;
    await stat(bundlePath);
  } catch {
    return undefined;
  }
  if (manifest.format !== FORMAT || manifest.esbuild !== esbuildVersion || manifest.entry !== entry) return undefined;
  const files = Object.keys(manifest.stamps).filter((f) => !CONFIG_FILES.some((c) => f === join(root, c)));
  const now = await stamps(root, files);
  for (const [f, s] of Object.entries(manifest.stamps)) if (now[f] !== s) return undefined;
  return manifest.local;
}

export async function dropManifest(bundlePath: string): Promise<void> {
  await rm(manifestPathFor(bundlePath), { force: true });
}
