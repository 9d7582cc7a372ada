// Where task files are: the folders searched and the files that count, the same for the engine that bundles
// them and the editor that watches them.
//
// As `trigger dev` does when its config has no `dirs`: every folder named `trigger`, at any depth of the
// workspace, is a task folder (monorepos keep them in `apps/x/src/trigger`), except inside node_modules,
// dot-folders and build output (`dist`, `out`, `build`), and except Next.js route folders `app/api/trigger`.

/** The name of the folders that hold tasks when the workspace does not list its task folders. */
export const TASK_DIR_NAME = 'trigger';

/** Folders never searched for task folders (dot-folders are skipped too). */
export const SKIPPED_DIR_NAMES: readonly string[] = ['node_modules', 'dist', 'out', 'build'];

/** File extensions of task files: the ones `trigger dev` bundles. */
export const TASK_FILE_EXTENSIONS: readonly string[] = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'];

const TASK_FILE = new RegExp(`\\.(${TASK_FILE_EXTENSIONS.join('|')})$`);
const NOT_TASK_FILE = /\.d\.[mc]?ts$|\.(test|spec)\.[mc]?[jt]sx?$/;

/** Whether a file name is a task file: a task extension, and not a declaration file or a test. */
export function isTaskFileName(name: string): boolean {
  return TASK_FILE.test(name) && !NOT_TASK_FILE.test(name);
}

/** Whether the search for task folders skips a folder of this name. */
export function isSkippedDirName(name: string): boolean {
  return name.startsWith('.') || SKIPPED_DIR_NAMES.includes(name);
}

/**
 * Whether a folder (its workspace-relative path, `/`-separated) is a task folder found by name: it is
 * called `trigger` and is not a Next.js route folder `…app/api/trigger`.
 */
export function isAutoTaskDir(relPath: string): boolean {
  const parts = relPath.split('/');
  if (parts[parts.length - 1] !== TASK_DIR_NAME) return false;
  return !(parts.length >= 3 && parts[parts.length - 2] === 'api' && parts[parts.length - 3] === 'app');
}

/**
 * The task folders a workspace lists in its setting (trimmed, without "./" or trailing "/"). Empty means
 * none listed: every `trigger` folder is found by name (see above).
 */
export function taskDirectories(configured: readonly string[]): readonly string[] {
  return configured.map((d) => d.trim().replace(/^\.\//, '').replace(/\/+$/, '')).filter((d) => d !== '' && d !== '.');
}

/**
 * A glob (relative to the workspace folder) matching every task file under `dirs`, or under any `trigger`
 * folder when `dirs` is empty (a glob cannot leave out node_modules and the like; watching them costs a
 * needless refresh at most).
 */
export function taskFileGlob(dirs: readonly string[]): string {
  const files = `**/*.{${TASK_FILE_EXTENSIONS.join(',')}}`;
  if (dirs.length === 0) return `**/${TASK_DIR_NAME}/${files}`;
  const folders = dirs.length === 1 ? dirs[0]! : `{${dirs.join(',')}}`;
  return `${folders}/${files}`;
}
