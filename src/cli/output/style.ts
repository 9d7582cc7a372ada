import type { RunStatus } from '../../protocol/run';

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

export function statusColor(status: RunStatus): Color {
  switch (status) {
    case 'COMPLETED':
      return 'green';
    case 'FAILED':
    case 'CRASHED':
    case 'SYSTEM_FAILURE':
    case 'TIMED_OUT':
    case 'EXPIRED':
      return 'red';
    case 'CANCELED':
      return 'gray';
    case 'EXECUTING':
    case 'DEQUEUED':
      return 'blue';
    default:
      return 'yellow';
  }
}

export function paintStatus(style: Style, status: RunStatus): string {
  return paint(style, statusColor(status), status);
}

/** "850ms", "1.2s", "3m 05s", "2h 03m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
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
