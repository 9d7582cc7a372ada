import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { isSkippedDirName } from '../../shared/tasks';
import { findTaskDirs } from './discover';

export interface TaskWatcher {
  /** Also watch these folders (non-recursively), e.g. where imported helper files live. */
  setExtraDirs(dirs: Iterable<string>): void;
  close(): void;
}

export interface WatchOptions {
  debounceMs?: number;
}

const IGNORED = new RegExp(`(^|[\\\\/])(node_modules|\\.git|\\.runlight)([\\\\/]|$)`);

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Watches the task folders (recursively) and calls `onChange` with the absolute paths that changed,
 * debounced (~200 ms). Listed task folders (`taskDirs`) that do not exist yet are noticed when they appear:
 * the nearest existing parent is watched until then. Without `taskDirs`, the `trigger` folders found by
 * name are watched, and every folder searched for them is watched on its own (not recursively), so a
 * `trigger` folder created anywhere is noticed.
 */
export function watchTasks(
  dir: string,
  taskDirs: readonly string[] | undefined,
  onChange: (changed: string[]) => void,
  options: WatchOptions = {},
): TaskWatcher {
  const root = resolve(dir);
  const debounceMs = options.debounceMs ?? 200;
  const watchers: FSWatcher[] = [];
  let extra: string[] = [];
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let rearmNeeded = false;

  const fire = () => {
    timer = undefined;
    if (closed) return;
    if (rearmNeeded) {
      rearmNeeded = false;
      arm();
    }
    const list = [...changed];
    changed = new Set();
    if (list.length > 0) onChange(list);
  };
  const note = (path: string) => {
    if (closed || IGNORED.test(path.slice(root.length))) return;
    changed.add(path);
    clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };
  const add = (folder: string, recursive: boolean, onEvent: (file: string | null) => void) => {
    try {
      const w = watch(folder, { recursive, persistent: false }, (_event, file) => onEvent(file === null ? null : String(file)));
      w.on('error', () => {
        rearmNeeded = true;
        note(folder);
      });
      watchers.push(w);
    } catch {
      // vanished between the check and the watch: the parent's watcher notices it
    }
  };

  /** No listed task folders: watch the `trigger` folders found, and the folders searched for them. */
  function armFound(): void {
    const searched: string[] = [];
    const found = findTaskDirs(root, searched);
    const known = new Set([...searched, ...found]);
    const extraDirs = new Set(extra);
    for (const folder of found) add(folder, true, (file) => note(file ? join(folder, file) : folder));
    for (const folder of searched) {
      add(folder, false, (file) => {
        const p = file ? join(folder, file) : folder;
        // A folder appeared or went away (it may be, or hold, a task folder): search again.
        const folderChanged = p !== folder && !isSkippedDirName(basename(p)) && (isDir(p) ? !known.has(p) : known.has(p));
        if (folderChanged) rearmNeeded = true;
        if (folderChanged || extraDirs.has(folder)) note(p);
      });
    }
    const covered = (d: string) => known.has(d) || found.some((f) => d === f || d.startsWith(f + sep));
    for (const d of extra) if (isDir(d) && !covered(d)) add(d, false, (file) => note(file ? join(d, file) : d));
  }

  function arm(): void {
    for (const w of watchers.splice(0)) w.close();
    if (!taskDirs?.length) {
      armFound();
      return;
    }
    const waitingOn = new Set<string>();
    for (const td of taskDirs) {
      const folder = resolve(root, td);
      if (isDir(folder)) {
        add(folder, true, (file) => note(file ? join(folder, file) : folder));
        continue;
      }
      // Not there yet: watch the nearest existing parent inside the workspace for it to appear.
      let parent = dirname(folder);
      while (parent.length > root.length && !isDir(parent)) parent = dirname(parent);
      if (!isDir(parent) || waitingOn.has(parent)) continue;
      waitingOn.add(parent);
      add(parent, false, (file) => {
        const p = file ? join(parent, file) : parent;
        if (
          taskDirs.some((t) => {
            const f = resolve(root, t);
            return f === p || f.startsWith(p + sep);
          }) &&
          existsSync(p)
        ) {
          rearmNeeded = true;
          note(p);
        }
      });
    }
    const covered = (d: string) =>
      taskDirs.some((t) => {
        const f = resolve(root, t);
        return d === f || d.startsWith(f + sep);
      });
    for (const d of extra) if (isDir(d) && !covered(d)) add(d, false, (file) => note(file ? join(d, file) : d));
  }

  arm();
  return {
    setExtraDirs(dirs) {
      const next = [...new Set([...dirs].map((d) => resolve(d)))].filter((d) => !IGNORED.test(d.slice(root.length))).sort();
      if (next.join('\n') === extra.join('\n')) return;
      extra = next;
      if (!closed) arm();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers.splice(0)) w.close();
    },
  };
}
