// Where task files are: the folders searched and the files that count, the same for the engine that bundles
// them and the editor that watches them.

/** Task folders searched when the workspace does not say otherwise. */
export const DEFAULT_TASK_DIRS: readonly string[] = ['trigger', 'src/trigger'];

/** File extensions of task files. */
export const TASK_FILE_EXTENSIONS: readonly string[] = ['ts', 'js', 'mts', 'mjs'];

const TASK_FILE = new RegExp(`\\.(${TASK_FILE_EXTENSIONS.join('|')})$`);
const NOT_TASK_FILE = /\.d\.m?ts$|\.(test|spec)\.m?[jt]s$/;

/** Whether a file name is a task file: a task extension, and not a declaration file or a test. */
export function isTaskFileName(name: string): boolean {
  return TASK_FILE.test(name) && !NOT_TASK_FILE.test(name);
}

/** The task folders a workspace uses: its setting's folders (trimmed, without "./" or trailing "/"), else the defaults. */
export function taskDirectories(configured: readonly string[]): readonly string[] {
  const dirs = configured.map((d) => d.trim().replace(/^\.\//, '').replace(/\/+$/, '')).filter((d) => d !== '' && d !== '.');
  return dirs.length ? dirs : DEFAULT_TASK_DIRS;
}

/** A glob (relative to the workspace folder) matching every task file under `dirs`. */
export function taskFileGlob(dirs: readonly string[]): string {
  const folders = dirs.length === 1 ? dirs[0]! : `{${dirs.join(',')}}`;
  return `${folders}/**/*.{${TASK_FILE_EXTENSIONS.join(',')}}`;
}
