// The task "Runlight: Create Example Task" writes: where it goes and what it says. No vscode here.

/** The folder (workspace-relative) a new task file goes in: the first task folder the workspace names, else
 * `src/trigger` in a project with a `src` folder, else `trigger` — where `trigger.dev init` puts it. */
export function exampleTaskDir(configuredDirs: readonly string[], hasSrcFolder: boolean): string {
  return configuredDirs[0] ?? (hasSrcFolder ? 'src/trigger' : 'trigger');
}

/** The first `base`, `base-2`, `base-3`, … that `taken` does not hold. */
export function firstFree(base: string, taken: (candidate: string) => boolean): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}

/** The example task file: a task that reports progress, streams its words and returns a greeting, written against
 * the official SDK's API so that it runs on Trigger.dev unchanged too. */
export function exampleTaskSource(taskId: string): string {
  const name = taskId.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return `import { logger, metadata, streams, task } from '@trigger.dev/sdk';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// An example task. Trigger it with the ▶ Trigger lens above \`task(\`, from the Tasks view or with
// "Runlight: Trigger Task…", then watch the run panel: the progress bar follows metadata.progress and the
// "words" tab shows the stream as it arrives.
export const ${name} = task({
  id: '${taskId}',
  run: async (payload: { name?: string }) => {
    const name = payload?.name ?? 'world';
    const words = \`Hello, \${name}! This greeting arrives one word at a time.\`.split(' ');
    logger.info('Greeting', { name, words: words.length });

    for (const [i, word] of words.entries()) {
      await streams.append('words', \`\${word} \`);
      metadata.set('progress', (i + 1) / words.length);
      await sleep(200);
    }

    return { greeting: words.join(' ') };
  },
});
`;
}
