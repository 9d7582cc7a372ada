import { isTerminal } from '../../shared/status';
import type { LogChunk } from '../../protocol/sse';
import type { RealtimeRun } from '../../sdk/backend/types';
import { chunkText, isJsonRecordText } from './chunk-text';
import { compactJson, paint, paintStatus, type Style } from './style';
import { formatDuration } from '../../shared/format';

/**
 * Prints one run as it changes: a header, status changes, metadata and tag changes, stream chunks
 * (text inline as it arrives; objects, and strings holding one JSON object or array, one per line), log lines, and a final summary.
 * The terminal state is summarised by `finish()`, after the streams have drained.
 */
export class WatchPrinter {
  private prev: RealtimeRun | undefined;
  private inlineKey: string | undefined;
  private atLineStart = true;
  private t0 = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly style: Style = { color: false },
    private readonly now: () => number = Date.now,
  ) {}

  run(run: RealtimeRun): void {
    const prev = this.prev;
    this.prev = run;
    if (!prev) {
      this.t0 = this.now();
      const tags = run.tags.length ? `  ${paint(this.style, 'gray', `[${run.tags.join(', ')}]`)}` : '';
      this.line(`${paint(this.style, 'bold', run.id)}  ${run.taskIdentifier}  ${paintStatus(this.style, run.status)}${tags}`);
      if (run.metadata && Object.keys(run.metadata).length > 0) this.line(`${this.label('metadata')} ${compactJson(run.metadata)}`);
      return;
    }
    if (run.status !== prev.status && !isTerminal(run.status)) {
      const attempt = run.attemptCount > 1 ? paint(this.style, 'gray', ` (attempt ${run.attemptCount})`) : '';
      this.line(`${this.elapsed()}${paintStatus(this.style, run.status)}${attempt}`);
    }
    if (compactJson(run.metadata ?? {}, Infinity) !== compactJson(prev.metadata ?? {}, Infinity)) {
      this.line(`${this.label('metadata')} ${compactJson(run.metadata ?? {})}`);
    }
    if (run.tags.join('\u0000') !== prev.tags.join('\u0000')) this.line(`${this.label('tags')} ${run.tags.join(', ')}`);
  }

  chunk(key: string, value: unknown): void {
    const text = chunkText(value);
    if (text !== undefined && !isJsonRecordText(text)) {
      if (text === '') return;
      if (this.inlineKey !== key) {
        this.breakLine();
        this.write(`${paint(this.style, 'cyan', `[${key}]`)} `);
        this.inlineKey = key;
      }
      this.write(text);
      this.atLineStart = text.endsWith('\n');
      return;
    }
    const shown = value instanceof Uint8Array ? `<${value.byteLength} bytes>` : text !== undefined ? text.trim() : compactJson(value);
    this.line(`${paint(this.style, 'cyan', `[${key}]`)} ${shown}`);
  }

  log(entry: LogChunk): void {
    const color = entry.level === 'error' ? 'red' : entry.level === 'warn' ? 'yellow' : 'gray';
    this.line(`${paint(this.style, color, `[${entry.level}]`)} ${entry.message}`);
  }

  /** Summary of the last state seen; returns the exit code (0 only for COMPLETED). */
  finish(interrupted = false): number {
    this.breakLine();
    const run = this.prev;
    if (!run) {
      this.line('no run state received');
      return 1;
    }
    if (!isTerminal(run.status)) {
      this.line(
        `${interrupted ? 'stopped watching' : 'the feed ended'}; ${run.id} is ${paintStatus(this.style, run.status)} (follow it again with: runlight watch ${run.id})`,
      );
      return 1;
    }
    const start = run.startedAt ?? run.createdAt;
    const took = run.finishedAt ? ` in ${formatDuration(run.finishedAt.getTime() - start.getTime())}` : '';
    this.line(`${this.elapsed()}${paintStatus(this.style, run.status)}${took}`);
    if (run.output !== undefined) this.line(`${this.label('output')} ${compactJson(run.output)}`);
    if (run.error) this.line(`${paint(this.style, 'red', 'error')} ${run.error.name ? `${run.error.name}: ` : ''}${run.error.message}`);
    return run.status === 'COMPLETED' ? 0 : 1;
  }

  private label(text: string): string {
    return paint(this.style, 'magenta', text);
  }

  private elapsed(): string {
    return paint(this.style, 'gray', `+${formatDuration(this.now() - this.t0)} `);
  }

  private line(text: string): void {
    this.breakLine();
    this.write(text + '\n');
  }

  private breakLine(): void {
    if (this.inlineKey !== undefined && !this.atLineStart) this.write('\n');
    this.inlineKey = undefined;
    this.atLineStart = true;
  }
}
