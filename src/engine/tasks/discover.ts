import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isAutoTaskDir, isSkippedDirName, isTaskFileName } from '../../shared/tasks';

/** Folders left out inside a task folder. */
const SKIP_DIRS = new Set(['node_modules', '__tests__']);

/** The workspace-relative path with forward slashes, as TaskInfo.filePath shows it. */
export function workspaceRelative(dir: string, file: string): string {
  return relative(dir, file).split(sep).join('/');
}

function subfolders(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * The workspace's task folders when it lists none: every folder named `trigger` at any depth, not inside
 * node_modules, dot-folders or `dist`/`out`/`build`, and not a Next.js `app/api/trigger` (as `trigger dev`
 * finds them). Absolute, sorted. `visited` receives every folder searched (the watcher watches them all, so
 * a new `trigger` folder anywhere is noticed).
 */
export function findTaskDirs(dir: string, visited?: string[]): string[] {
  const root = resolve(dir);
  const found: string[] = [];
  const walk = (folder: string) => {
    visited?.push(folder);
    for (const name of subfolders(folder)) {
      if (isSkippedDirName(name)) continue;
      const full = join(folder, name);
      if (isAutoTaskDir(workspaceRelative(root, full))) found.push(full);
      else walk(full);
    }
  };
  walk(root);
  return found.sort();
}

/**
 * Every task file under the task folders of `dir` (the listed ones, else every `trigger` folder found by
 * name): `.ts .tsx .mts .cts .js .jsx .mjs .cjs`, without declaration files, tests, node_modules and
 * dot-folders. Absolute paths, sorted, each once.
 */
export function discoverTaskFiles(dir: string, taskDirs?: readonly string[]): string[] {
  const root = resolve(dir);
  const found = new Set<string>();
  const walk = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(folder, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) walk(full);
      } else if ((e.isFile() || e.isSymbolicLink()) && isTaskFileName(e.name)) {
        found.add(full);
      }
    }
  };
  const folders = taskDirs?.length ? taskDirs.map((td) => resolve(root, td)) : findTaskDirs(root);
  for (const folder of folders) {
    try {
      if (statSync(folder).isDirectory()) walk(folder);
    } catch {
      // a task folder that does not exist holds no tasks
    }
  }
  return [...found].sort();
}
