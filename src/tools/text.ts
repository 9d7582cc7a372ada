/** Text helpers for tool results: short, and saying what was cut. Pure. */

/** `text` cut to `max` characters (the start kept), with a note of how much was cut. */
export function clip(text: string, max: number, hint = ''): string {
  if (text.length <= max) return text;
  const cut = text.length - max;
  return `${text.slice(0, max)}\n… [cut ${count(cut)} of ${count(text.length)} characters${hint ? `; ${hint}` : ''}]`;
}

/** `text` cut to its last `max` characters (for logs: the newest lines matter most), with a note. */
export function clipStart(text: string, max: number, hint = ''): string {
  if (text.length <= max) return text;
  const cut = text.length - max;
  return `[cut the first ${count(cut)} of ${count(text.length)} characters${hint ? `; ${hint}` : ''}] …\n${text.slice(cut)}`;
}

/** A JSON value as compact text (2-space indent when it is small enough to read that way). */
export function jsonText(value: unknown): string {
  const flat = JSON.stringify(value);
  if (flat === undefined) return 'undefined';
  return flat.length <= 120 ? flat : JSON.stringify(value, null, 2);
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}
