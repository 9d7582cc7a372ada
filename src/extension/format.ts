// The tree's texts for a run: its one-line description and its Markdown tooltip.
import type { Run } from '../protocol/run';
import { formatDuration, formatRelative, runDurationMs } from '../shared/format';
import { isTerminal, statusLook } from '../shared/status';
import { describeWait } from '../shared/waits';

/** Tree item description: "Executing · 10s · 1m ago"; a waiting run says on what ("Waiting for token waitpoint_… · …").
 * Durations of live runs are shown in steps of 5 s (none under 5 s), so the tree repaints a live run at most every 5 s. */
export function runDescription(run: Run, now: number): string {
  const label = statusLook(run.status).label;
  const parts = [run.status === 'WAITING' && run.waitingFor && run.waitingFor.kind !== 'time' ? `${label} for ${describeWait(run.waitingFor)}` : label];
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
  const lines = [`**${escapeMarkdown(run.taskIdentifier)}** — ${look.label}`, '', `- id: \`${run.id.replace(/`/g, '')}\``];
  if (run.tags.length) lines.push(`- tags: ${run.tags.map((t) => `\`${t.replace(/`/g, '')}\``).join(', ')}`);
  if (run.batchId) lines.push(`- batch: \`${run.batchId.replace(/`/g, '')}\``);
  if (run.parentTaskRunId) lines.push(`- parent: \`${run.parentTaskRunId.replace(/`/g, '')}\` (depth ${run.depth ?? 1})`);
  if (run.rootTaskRunId && run.rootTaskRunId !== run.parentTaskRunId) lines.push(`- root: \`${run.rootTaskRunId.replace(/`/g, '')}\``);
  if (run.status === 'WAITING' && run.waitingFor) lines.push(`- waiting for: ${escapeMarkdown(describeWait(run.waitingFor))}`);
  if (run.schedule) lines.push(`- schedule: \`${run.schedule.id.replace(/`/g, '')}\` (\`${run.schedule.generator.expression.replace(/`/g, '')}\`)`);
  lines.push(`- created: ${run.createdAt}`);
  if (run.startedAt) lines.push(`- started: ${run.startedAt}`);
  if (run.finishedAt) lines.push(`- finished: ${run.finishedAt}`);
  const ms = runDurationMs(run, now);
  if (ms !== undefined) lines.push(`- duration: ${formatDuration(ms)}`);
  if (run.attemptCount > 1) lines.push(`- attempts: ${run.attemptCount}`);
  if (run.error) lines.push('', `**Error:** ${escapeMarkdown(run.error.message.slice(0, 500))}`);
  return lines.join('\n');
}
