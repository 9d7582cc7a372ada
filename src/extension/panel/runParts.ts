import type { Run } from '../../protocol/run';

export type RunPart = 'payload' | 'output' | 'metadata' | 'error';

/**
 * A part of a run as text for the clipboard or an editor: JSON (2-space) for the payload, output and metadata, the
 * error as `Name: message` and its stack; undefined when the run has none.
 */
export function runPartText(run: Run, part: RunPart): { text: string; language: 'json' | 'plaintext' } | undefined {
  if (part === 'error') {
    const e = run.error;
    if (!e) return undefined;
    const head = `${e.name ? `${e.name}: ` : ''}${e.message}`;
    const stack = e.stackTrace && !e.stackTrace.startsWith(head) ? `${head}\n${e.stackTrace}` : (e.stackTrace ?? head);
    return { text: stack, language: 'plaintext' };
  }
  const value = run[part];
  return value === undefined ? undefined : { text: JSON.stringify(value, null, 2), language: 'json' };
}
