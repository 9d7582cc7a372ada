// The project's trigger.config file: where it is and what it is called, the same for the engine that loads it and
// the editor that watches it.

/** Extensions of a config file, in the order they are looked for (one config per workspace: the first found wins). */
export const CONFIG_FILE_EXTENSIONS: readonly string[] = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'];

/** `trigger.config.ts`, `trigger.config.mjs`, … in that order. */
export const CONFIG_FILE_NAMES: readonly string[] = CONFIG_FILE_EXTENSIONS.map((ext) => `trigger.config.${ext}`);

/** Whether a file name is a config file name (at the workspace root it is the project's config). */
export function isConfigFileName(name: string): boolean {
  return CONFIG_FILE_NAMES.includes(name);
}

/** A glob (relative to the workspace folder) of the config file names at its root. */
export const CONFIG_FILE_GLOB = `trigger.config.{${CONFIG_FILE_EXTENSIONS.join(',')}}`;
