// A run's stack trace as a reader wants it: the frames of the user's own files as links, the rest folded.

/** A place in a source file (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One part of a folded stack: a line as it was (a workspace frame links to its place), or a run of internal frames. */
export type StackPart = { kind: 'line'; text: string; location?: SourceLocation } | { kind: 'folded'; lines: string[] };

/** `at fn (/path/file.ts:12:5)` or `at /path/file.ts:12:5`. */
const FRAME = /^\s*at (?:.*? \()?((?:\/|[A-Za-z]:[\\/]).+?):(\d+):(\d+)\)?\s*$/;
const ANY_FRAME = /^\s*at /;

/**
 * Splits `stack` into parts: the message lines, the frames in files under `root` (a workspace folder; not its
 * `node_modules` or `.runlight`) with their location, and each run of other frames (the bundled worker, the SDK, Node's
 * internals) folded into one part. Without a root nothing is a workspace frame.
 */
export function foldStack(stack: string, root: string | undefined): StackPart[] {
  const parts: StackPart[] = [];
  const base = root?.replace(/[\\/]+$/, '');
  const own = (file: string): boolean => {
    if (!base) return false;
    const f = file.replace(/\\/g, '/');
    const r = base.replace(/\\/g, '/');
    return f.startsWith(`${r}/`) && !f.includes('/node_modules/') && !f.slice(r.length).startsWith('/.runlight/');
  };
  for (const text of stack.split('\n')) {
    const m = FRAME.exec(text);
    if (m && own(m[1]!)) {
      parts.push({ kind: 'line', text, location: { file: m[1]!, line: Number(m[2]), column: Number(m[3]) } });
    } else if (ANY_FRAME.test(text)) {
      const last = parts.at(-1);
      if (last?.kind === 'folded') last.lines.push(text);
      else parts.push({ kind: 'folded', lines: [text] });
    } else {
      parts.push({ kind: 'line', text });
    }
  }
  return parts;
}
