import { existsSync } from 'node:fs';

/**
 * The newer Node the harness installs for the current VS Code (test/harness/current), when it is there: the runtime
 * VS Code's current releases run the engine on, whose store is node:sqlite instead of WebAssembly.
 */
export async function newerNode(): Promise<string | undefined> {
  const { vscodeHost } = await import('../../test/harness/src/paths');
  const node = vscodeHost('current').node;
  return existsSync(node) ? node : undefined;
}
