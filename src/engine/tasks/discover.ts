import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { DEFAULT_TASK_DIRS, isTaskFileName } from '../../shared/tasks';

const SKIP_DIRS = new Set(['node_modules', '__tests__']);

/** The workspace-relative path with forward slashes, as TaskInfo.filePath shows it. */
export function workspaceRelative(dir: string, file: string): string {
  return relative(dir, file).split(sep).join('/');
}

/**
 * Every task file under the task folders of `dir` (default `trigger/` and `src/trigger/`):
 * `.ts`, `.js`, `.mts`, `.mjs`, without declaration files, tests, node_modules and dot-folders.
 * Absolute paths, sorted, each once.
 */
export function discoverTaskFiles(dir: string, taskDirs: readonly string[] = DEFAULT_TASK_DIRS): string[] {
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
  for (const td of taskDirs) {
    const folder = resolve(root, td);
    try {
      if (statSync(folder).isDirectory()) walk(folder);
    } catch {
      // a task folder that does not exist holds no tasks
    }
  }
  return [...found].sort();
}
