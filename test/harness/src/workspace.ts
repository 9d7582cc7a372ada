// Throw-away folders for one run: the run folder and a copy of the demo workspace.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** A fresh folder under $TMPDIR for one harness run. */
export function makeRunDir(name: string): string {
  const base = join(process.env.RUNLIGHT_TEST_TMP ?? tmpdir(), 'runlight-tests');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${name}-`));
}

/** Removes a run folder unless RUNLIGHT_KEEP_RUN=1 (kept folders are for looking at failures). */
export function removeRunDir(dir: string): void {
  if (process.env.RUNLIGHT_KEEP_RUN === '1') return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

const SKIP = new Set(['node_modules', '.runlight', '.git']);

/**
 * Copies a workspace folder to `dest` (so runs do not touch the repository): everything but
 * `node_modules` (symlinked to the original, it can be large), `.runlight` (engine state) and `.git`.
 */
export function copyWorkspace(source: string, dest: string): string {
  if (!existsSync(source)) throw new Error(`no workspace at ${source}`);
  const target = join(dest, basename(source));
  cpSync(source, target, {
    recursive: true,
    filter: (src) => !SKIP.has(basename(src)) || src === source,
  });
  const modules = join(source, 'node_modules');
  if (existsSync(modules)) symlinkSync(modules, join(target, 'node_modules'), 'dir');
  return target;
}
