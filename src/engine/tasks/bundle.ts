import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BuildContext, BuildOptions, Message, Plugin } from 'esbuild-wasm';
import { workspaceRelative } from './discover';
import { dropManifest, manifestPathFor, metafileInputs, reusableBundle, makeManifest } from './build-cache';
import { esbuildActivity, loadEsbuild, registerEsbuildUser, restartEsbuild, withEsbuild } from './esbuild';
import { describeError } from '../../shared/errors';
import { SDK_IMPORT } from '../../shared/sdkImport';

export { SDK_IMPORT };
export const SDK_GLOBAL = '__runlightSdk';
/** Other entry points of the official package (`@trigger.dev/sdk/ai`, `/chat`, `/oidc/aws`, …), which Runlight does not serve. */
export const SDK_SUBPATH = /^@trigger\.dev\/sdk\/.+$/;

export interface BundleResult {
  /** The task file, absolute. */
  file: string;
  /** The task file relative to the workspace, with forward slashes. */
  relPath: string;
  /** The bundle (absolute), when the build succeeded. */
  bundlePath?: string;
  /** Readable build errors, when it failed. */
  error?: string;
  /** Workspace files (outside node_modules) the bundle was built from, absolute; for watching. */
  inputs: string[];
  /** Build time of this file. */
  ms: number;
  /** True when an earlier build was reused because none of its inputs changed. */
  reused?: true;
}

const sdkPlugin: Plugin = {
  name: 'runlight-sdk',
  setup(build) {
    build.onResolve({ filter: SDK_IMPORT }, (args) => ({ path: args.path, namespace: 'runlight-sdk' }));
    // Bundling the official package's own entry instead would load a second SDK that does not talk to the engine
    // (or fail with "Could not resolve" where it is not installed): say what is served instead.
    build.onResolve({ filter: SDK_SUBPATH }, (args) => ({
      errors: [{ text: `"${args.path}" is not supported by Runlight: task files may import "@trigger.dev/sdk" and "@trigger.dev/sdk/v3"` }],
    }));
    build.onLoad({ filter: /.*/, namespace: 'runlight-sdk' }, () => ({
      loader: 'js',
      contents:
        `if (!globalThis.${SDK_GLOBAL}) throw new Error("This task bundle must be loaded by the Runlight task worker (the SDK is not installed).");\n` +
        `module.exports = globalThis.${SDK_GLOBAL};\n`,
    }));
  },
};

/** Said after esbuild's top-level-await error: the worker loads bundles with `require`, which cannot wait. */
const TOP_LEVEL_AWAIT_HINT =
  ' (Runlight loads task bundles as CommonJS, which cannot wait at load: move the top-level await into run() or into a function it awaits)';

function formatMessages(messages: readonly Message[]): string {
  const shown = messages.slice(0, 5).map((m) => {
    const loc = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
    return `${loc}${m.text}${m.text.startsWith('Top-level await is currently not supported') ? TOP_LEVEL_AWAIT_HINT : ''}`;
  });
  if (messages.length > shown.length) shown.push(`… and ${messages.length - shown.length} more error(s)`);
  return shown.join('\n');
}

/**
 * Where the bundle of one task file goes: `<outDir>/<path relative to dir>.cjs` (keeps `a.ts` and `a.js`
 * apart). `.cjs`, not `.js`: the build folder is inside the workspace's package, and a `.js` file there is an
 * ES module when its package.json says `"type": "module"`, which `require` cannot load. `.cjs` is CommonJS
 * whatever the nearest package.json says, and the name alone says so (no extra file to keep in the folder).
 */
export function bundlePathFor(dir: string, outDir: string, file: string): string {
  return join(outDir, `${workspaceRelative(dir, file)}.cjs`);
}

async function writeAtomically(path: string, contents: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, contents);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function buildOptions(root: string, abs: string, outfile: string, plugins: readonly Plugin[]): BuildOptions & { write: false; metafile: true } {
  return {
    entryPoints: [abs],
    outfile,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    keepNames: true,
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [sdkPlugin, ...plugins],
    // As `trigger dev`: JSX in .tsx/.jsx task files compiles to the automatic runtime (react/jsx-runtime).
    jsx: 'automatic',
    // ESM task code may use import.meta.url; a CommonJS bundle has none of its own.
    define: { 'import.meta.url': '__runlight_import_meta_url' },
    banner: { js: 'var __runlight_import_meta_url = require("url").pathToFileURL(__filename).href;' },
  };
}

/**
 * Builds task files, one CommonJS bundle each (ES module sources and dependencies are converted) (so one broken file does not break the others).
 * Keeps an esbuild context per file, so a rebuild re-parses only what changed (an `openai`
 * import costs seconds the first time, a fraction of that after). `dispose()` when done.
 */
export class TaskBundler {
  private readonly contexts = new Map<string, Promise<BuildContext<BuildOptions & { write: false; metafile: true }>>>();
  private readonly root: string;
  private readonly outDir: string;
  /** Files whose bundle on disk was already considered for reuse (only the first build may reuse). */
  private readonly checked = new Set<string>();
  /** Builds running now. */
  private inFlight = 0;
  private readonly unregister: () => void;

  /**
   * `reuse`: take a bundle left by an earlier process when none of its inputs changed (default true). `plugins`:
   * more esbuild plugins for these bundles (after the one that resolves the SDK).
   */
  constructor(
    dir: string,
    outDir: string,
    private readonly reuse = true,
    private readonly plugins: readonly Plugin[] = [],
  ) {
    this.root = resolve(dir);
    this.outDir = resolve(outDir);
    this.unregister = registerEsbuildUser({ busy: () => this.inFlight > 0, releaseContexts: () => this.releaseContexts() });
  }

  async build(file: string): Promise<BundleResult> {
    this.inFlight++;
    try {
      return await this.buildOnce(file);
    } finally {
      this.inFlight--;
      esbuildActivity();
    }
  }

  private async buildOnce(file: string): Promise<BundleResult> {
    const abs = resolve(this.root, file);
    const relPath = workspaceRelative(this.root, abs);
    const outfile = bundlePathFor(this.root, this.outDir, abs);
    const started = performance.now();
    try {
      if (this.reuse && !this.contexts.has(abs) && !this.checked.has(abs)) {
        this.checked.add(abs);
        const local = await reusableBundle(this.root, abs, outfile, loadEsbuild().version);
        if (local) return { file: abs, relPath, bundlePath: outfile, inputs: local, ms: performance.now() - started, reused: true };
      }
      let ctx = this.contexts.get(abs);
      if (!ctx) {
        ctx = withEsbuild((esbuild) => esbuild.context(buildOptions(this.root, abs, outfile, this.plugins)));
        this.contexts.set(abs, ctx);
        ctx.catch(() => this.contexts.delete(abs));
      }
      const c = await ctx;
      const result = await withEsbuild(() => c.rebuild());
      const out = result.outputFiles.find((f) => resolve(f.path) === outfile) ?? result.outputFiles[0];
      if (!out) throw new Error('esbuild produced no output');
      const all = metafileInputs(this.root, result.metafile.inputs);
      const inputs = all.filter((p) => !/(^|[\\/])node_modules[\\/]/.test(p));
      // Stamp the inputs before writing, so an edit during the build makes the record stale, not wrong.
      const manifest = await makeManifest(this.root, abs, all, inputs, loadEsbuild().version);
      await writeAtomically(outfile, out.contents);
      await writeAtomically(manifestPathFor(outfile), Buffer.from(JSON.stringify(manifest)));
      return { file: abs, relPath, bundlePath: outfile, inputs, ms: performance.now() - started };
    } catch (err) {
      await dropManifest(outfile).catch(() => undefined);
      const errors = (err as { errors?: Message[] }).errors;
      // Not a build error (e.g. the esbuild service stopped): start from a fresh context next time.
      if (!Array.isArray(errors) || errors.length === 0) {
        await this.forget(abs);
        if (/The service (was stopped|is no longer running)/.test(describeError(err))) await restartEsbuild();
      }
      const error = Array.isArray(errors) && errors.length > 0 ? formatMessages(errors) : describeError(err);
      return { file: abs, relPath, error, inputs: [abs], ms: performance.now() - started };
    }
  }

  /** Builds several files a few at a time; results in the order of `files`. */
  async buildAll(files: readonly string[], concurrency = 4): Promise<BundleResult[]> {
    const results: BundleResult[] = new Array(files.length);
    let next = 0;
    const lane = async () => {
      while (next < files.length) {
        const i = next++;
        results[i] = await this.build(files[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, lane));
    return results;
  }

  /** Drops the context of a file that went away. */
  async forget(file: string): Promise<void> {
    const abs = resolve(this.root, file);
    const ctx = this.contexts.get(abs);
    this.contexts.delete(abs);
    await ctx?.then((c) => c.dispose()).catch(() => undefined);
  }

  /** Disposes every context (the esbuild service is about to stop); the next build of a file makes a new one. */
  private async releaseContexts(): Promise<void> {
    const all = [...this.contexts.values()];
    this.contexts.clear();
    await Promise.all(all.map((ctx) => ctx.then((c) => c.dispose()).catch(() => undefined)));
  }

  async dispose(): Promise<void> {
    this.unregister();
    await this.releaseContexts();
  }
}

/** Builds one task file into its own bundle (one-shot). */
export async function bundleTaskFile(dir: string, file: string, outDir: string): Promise<BundleResult> {
  return (await bundleTasks(dir, [file], outDir))[0]!;
}

/** Bundles every task file once (a few at a time); results in the order of `files`. */
export async function bundleTasks(dir: string, files: readonly string[], outDir: string, concurrency = 4): Promise<BundleResult[]> {
  const bundler = new TaskBundler(dir, outDir);
  try {
    return await bundler.buildAll(files, concurrency);
  } finally {
    await bundler.dispose();
  }
}
