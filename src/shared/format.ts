// How durations and ages read, the same in the tree, the run panel and the terminal.
import { isTerminal, type RunStatus } from './status';

/** "850ms", "1.2s", "12s", "3m 05s", "2h 10m"; "" for a negative or non-finite value. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 100) return `${(tenths / 10).toFixed(1)}s`;
  const s = Math.max(10, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** "just now" (under a minute, so labels do not change every few seconds), "3m ago", "2h ago", "4d ago"; "" when unknown. */
export function formatRelative(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = Math.max(0, now - t);
  if (d < 60_000) return 'just now';
  if (d < 3_600_000) return `${Math.floor(d / 60_000)}m ago`;
  if (d < 86_400_000) return `${Math.floor(d / 3_600_000)}h ago`;
  return `${Math.floor(d / 86_400_000)}d ago`;
}

/** The fields of a run its duration is read from (the run object's, with ISO timestamps). */
export interface RunTimes {
  status: RunStatus;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  durationMs: number;
}

/** How long the run has run: its durationMs once finished, otherwise measured from startedAt; undefined before it starts. */
export function runDurationMs(run: RunTimes, now: number): number | undefined {
  if (run.startedAt === undefined) return undefined;
  const start = Date.parse(run.startedAt);
  if (Number.isNaN(start)) return undefined;
  if (isTerminal(run.status) || run.finishedAt) {
    if (run.durationMs > 0) return run.durationMs;
    const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
    return Number.isNaN(end) ? undefined : Math.max(0, end - start);
  }
  return Math.max(0, now - start);
}
