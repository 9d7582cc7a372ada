import { isAbsolute, relative, resolve } from 'node:path';

/**
 * The file a stack link of the webview may open: an absolute path inside one of the workspace folders (a webview
 * never gets to open anything else), normalised; undefined otherwise.
 */
export function workspaceFile(file: string, folders: readonly string[]): string | undefined {
  if (!isAbsolute(file)) return undefined;
  const path = resolve(file);
  for (const folder of folders) {
    const rel = relative(folder, path);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return path;
  }
  return undefined;
}
