import type { RunStatus } from '../../protocol/run';
import { statusLook, type StatusTone } from '../../shared/status';

/** ANSI colour only when writing to a terminal and NO_COLOR is unset. */
export interface Style {
  color: boolean;
}

export function styleFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Style {
  return { color: stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb' };
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Color = keyof typeof codes;

export function paint(style: Style, color: Color, text: string): string {
  return style.color ? `\u001b[${codes[color]}m${text}\u001b[0m` : text;
}

const TONE_COLOR: Readonly<Record<StatusTone, Color>> = { passed: 'green', failed: 'red', skipped: 'gray', active: 'blue', pending: 'yellow' };

export function statusColor(status: RunStatus): Color {
  return TONE_COLOR[statusLook(status).tone];
}

export function paintStatus(style: Style, status: RunStatus): string {
  return paint(style, statusColor(status), status);
}

/** Compact JSON, cut to `max` characters. */
export function compactJson(value: unknown, max = 500): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
