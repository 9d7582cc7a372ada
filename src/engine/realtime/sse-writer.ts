import type { ServerResponse } from 'node:http';

export interface SseWriterOptions {
  /** Bytes queued in the socket beyond which a subscriber counts as stalled and is closed (it resumes by id). */
  maxBufferedBytes: number;
  keepAliveMs: number;
  /**
   * Write after the I/O callbacks of this turn of the event loop (setImmediate) instead of at the end of the current
   * one (a microtask): what a commit set in motion (the start of a claimed run on its worker, answers to callers)
   * goes out first, and the frames of the commits made meanwhile go in the same write. For run feeds; stream
   * feeds write at once (a chunk's latency is what they are for).
   */
  afterIo?: boolean;
}

/**
 * One SSE response. Frames written in the same tick are joined into one socket write; a subscriber that
 * stops reading is closed once its queued bytes pass the bound, so memory stays bounded.
 */
export class SseWriter {
  private pending: (string | Buffer)[] = [];
  private scheduled = false;
  private pacedPending = false;
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

  /**
   * Queues an already formatted frame (see `frame()`). A `paced` write is part of a backlog the caller sends
   * at the reader's pace (it waits on `drain`), so it never counts toward the stalled bound.
   */
  write(text: string | Buffer, paced = false): void {
    if (this.closed) return;
    if (paced) this.pacedPending = true;
    this.pending.push(text);
    if (!this.scheduled) {
      this.scheduled = true;
      // Everything written in this tick goes out in one socket write. No timer gathers more: under load, one
      // commit carries more chunks, so the writes per subscriber stay bounded by the commits per second.
      if (this.options.afterIo) setImmediate(() => this.flush());
      else queueMicrotask(() => this.flush());
    }
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** Writes what is queued now, then ends the response. */
  end(): void {
    if (this.closed) return;
    this.flush(false);
    this.res.end();
    this.close();
  }

  /** The socket is not taking what was written (its buffers are full): the reader is behind. */
  get backpressured(): boolean {
    return !this.closed && this.res.writableNeedDrain;
  }

  /**
   * Writes what is queued and waits until the socket took it: a backlog is sent at the reader's pace, so a
   * large replay is not mistaken for a stalled subscriber (the bound applies to live writes). Resolves false
   * when the connection closed, or when the reader took nothing for `stallMs` — it is then closed as stalled
   * (the client resumes with Last-Event-ID).
   */
  async drain(stallMs?: number): Promise<boolean> {
    if (this.closed) return false;
    this.flush(false);
    if (this.closed) return false;
    if (!this.res.writableNeedDrain) return true;
    const drained = await new Promise<boolean>((resolve) => {
      const timer = stallMs === undefined ? undefined : setTimeout(() => done(false), stallMs);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.res.off('drain', onDrain);
        this.res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(false);
      this.res.on('drain', onDrain);
      this.res.on('close', onClose);
    });
    if (!drained && !this.closed) {
      this.res.destroy();
      this.close();
    }
    return drained && !this.closed;
  }

  private flush(checkStalled = true): void {
    this.scheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    const paced = this.pacedPending;
    this.pacedPending = false;
    // Buffers shared by every subscriber are handed to the socket as they are (one writev, no copy).
    if (items.length === 1) this.res.write(items[0]!);
    else {
      this.res.cork();
      for (const item of items) this.res.write(item);
      this.res.uncork();
    }
    if (checkStalled && !paced && this.res.writableLength > this.options.maxBufferedBytes) {
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
