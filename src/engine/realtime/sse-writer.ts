import type { ServerResponse } from 'node:http';

export interface SseWriterOptions {
  /** Bytes queued in the socket beyond which a subscriber counts as stalled and is closed (it resumes by id). */
  maxBufferedBytes: number;
  keepAliveMs: number;
}

/**
 * One SSE response. Frames written in the same tick are joined into one socket write; a subscriber that
 * stops reading is closed once its queued bytes pass the bound, so memory stays bounded.
 */
export class SseWriter {
  private pending: string[] = [];
  private scheduled = false;
  private closed = false;
  private readonly keepAlive: NodeJS.Timeout;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly options: SseWriterOptions,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.socket?.setNoDelay(true);
    res.write(': connected\n\n');
    this.keepAlive = setInterval(() => this.comment('ping'), options.keepAliveMs);
    this.keepAlive.unref();
    res.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeListeners.push(fn);
  }

  /** Queues an already formatted frame (see `frame`). */
  write(frame: string): void {
    if (this.closed) return;
    this.pending.push(frame);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** Writes what is queued now, then ends the response. */
  end(): void {
    if (this.closed) return;
    this.flush();
    this.res.end();
    this.close();
  }

  /**
   * Writes what is queued and waits until the socket took it: a backlog is sent at the reader's pace, so a
   * large replay is not mistaken for a stalled subscriber (the bound applies to live writes).
   */
  async drain(): Promise<void> {
    if (this.closed) return;
    this.flush(false);
    if (this.closed || !this.res.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  private flush(checkStalled = true): void {
    this.scheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.res.write(text);
    if (checkStalled && this.res.writableLength > this.options.maxBufferedBytes) {
      // Stalled: drop the connection; the client resumes with Last-Event-ID.
      this.res.destroy();
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    clearInterval(this.keepAlive);
    for (const fn of this.closeListeners.splice(0)) fn();
  }
}

/** Formats one SSE event. `data` must not contain newlines (JSON text never does). */
export function frame(id: number | string | undefined, event: string | undefined, data: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}${event ? `event: ${event}\n` : ''}data: ${data}\n\n`;
}
