import type { Run } from '../protocol/run';
import { isTerminal } from '../protocol/run';
import { statusLook } from './tree/status';

/** "850ms", "12s", "3m 05s", "2h 10m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** "just now" (under a minute, so descriptions do not change every few seconds), "3m ago", "2h ago", "4d ago". */
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

/** How long the run has run: durationMs once finished, otherwise measured from startedAt. */
export function runDurationMs(run: Run, now: number): number | undefined {
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

/** Tree item description: "Executing · 10s · 1m ago". Durations of live runs are shown in steps of
 * 5 s (none under 5 s), so the tree repaints a live run at most every 5 s. */
export function runDescription(run: Run, now: number): string {
  const parts = [statusLook(run.status).label];
  let ms = runDurationMs(run, now);
  if (ms !== undefined && !isTerminal(run.status)) ms = ms >= 5000 ? Math.floor(ms / 5000) * 5000 : undefined;
  if (ms !== undefined) parts.push(formatDuration(ms));
  const rel = formatRelative(run.createdAt, now);
  if (rel) parts.push(rel);
  return parts.join(' · ');
}

/** Escapes text for a Markdown tooltip (no HTML is enabled there, but keep `*_[]` literal). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** The Markdown tooltip of a run node: id, status, tags, batch, times, error message. */
export function runTooltipMarkdown(run: Run, now: number): string {
  const look = statusLook(run.status);
  const lines = [
    `**${escapeMarkdown(run.taskIdentifier)}** — ${look.label}`,
    '',
    `- id: \`${run.id.replace(/`/g, '')}\``,
  ];
  if (run.tags.length) lines.push(`- tags: ${run.tags.map((t) => `\`${t.replace(/`/g, '')}\``).join(', ')}`);
  if (run.batchId) lines.push(`- batch: \`${run.batchId.replace(/`/g, '')}\``);
  lines.push(`- created: ${run.createdAt}`);
  if (run.startedAt) lines.push(`- started: ${run.startedAt}`);
  if (run.finishedAt) lines.push(`- finished: ${run.finishedAt}`);
  const ms = runDurationMs(run, now);
  if (ms !== undefined) lines.push(`- duration: ${formatDuration(ms)}`);
  if (run.attemptCount > 1) lines.push(`- attempts: ${run.attemptCount}`);
  if (run.error) lines.push('', `**Error:** ${escapeMarkdown(run.error.message.slice(0, 500))}`);
  return lines.join('\n');
}
