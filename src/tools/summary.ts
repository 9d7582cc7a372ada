import type { Run } from '../protocol/run';
import { LOG_STREAM_KEY } from '../shared/streams';
import { formatDuration, runDurationMs } from '../shared/format';
import { isTerminal } from '../shared/status';
import { clip, jsonText } from './text';

/** How a run reads in a tool result: one summary line first, then what a model needs of it. Pure. */

/** `run_abc · chat · COMPLETED in 1.2s · tags a, b` */
export function runLine(run: Run, now = Date.now()): string {
  const took = formatDuration(runDurationMs(run, now) ?? Number.NaN);
  const when = isTerminal(run.status) ? (took ? ` in ${took}` : '') : took ? ` for ${took}` : '';
  const parts = [`${run.id} · ${run.taskIdentifier} · ${run.status}${when}`];
  if (run.tags.length) parts.push(`tags ${run.tags.join(', ')}`);
  if (run.batchId) parts.push(`batch ${run.batchId}`);
  parts.push(`created ${run.createdAt}`);
  return parts.join(' · ');
}

/** The summary line, then output, error, metadata and streams; each long part cut to `maxChars` with a note. */
export function runDetails(run: Run, options: { maxChars: number; payload?: boolean; now?: number }): string {
  const lines = [runLine(run, options.now)];
  if (run.delayedUntil && !isTerminal(run.status)) lines.push(`delayed until ${run.delayedUntil}`);
  if (run.attemptCount > 1) lines.push(`attempts: ${run.attemptCount}`);
  if (run.idempotencyKey) lines.push(`idempotency key: ${run.idempotencyKey}`);
  if (options.payload && run.payload !== undefined) lines.push(`payload: ${clip(jsonText(run.payload), options.maxChars)}`);
  if (run.error) {
    const head = run.error.name ? `${run.error.name}: ${run.error.message}` : run.error.message;
    const stack = run.error.stackTrace ? `\n${run.error.stackTrace}` : '';
    lines.push(`error: ${clip(head + stack, options.maxChars)}`);
  }
  if (run.output !== undefined) lines.push(`output: ${clip(jsonText(run.output), options.maxChars)}`);
  if (run.metadata && Object.keys(run.metadata).length > 0) lines.push(`metadata: ${clip(jsonText(run.metadata), options.maxChars)}`);
  const streams = run.realtimeStreams.filter((k) => k !== LOG_STREAM_KEY);
  if (streams.length) lines.push(`streams: ${streams.join(', ')} (read with get_run_stream)`);
  if (run.realtimeStreams.includes(LOG_STREAM_KEY)) lines.push('logs: yes (read with get_run_logs)');
  return lines.join('\n');
}
