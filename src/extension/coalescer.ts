import type { IDisposable } from './lifecycle';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

/**
 * Collects bursts of "something changed" into one flush at most every `delayMs`. The first schedule()
 * after a flush starts the timer; later ones within the window join it (the window is not extended, so
 * a steady stream of changes still flushes every `delayMs`). flushNow() bypasses the wait (manual refresh).
 * With `leading`, a change after a quiet `delayMs` flushes at once (on the next timer tick, so a burst in
 * one tick is still one flush): the first token of a stream is not held back, and the rate stays capped.
 */
export class Coalescer implements IDisposable {
  private handle: unknown;
  private pending = false;
  private disposed = false;
  private lastFlush = -Infinity;

  constructor(
    private readonly delayMs: number,
    private readonly flush: () => void,
    private readonly timers: Timers = realTimers,
    private readonly options: { leading?: boolean } = {},
  ) {}

  get isPending(): boolean {
    return this.pending;
  }

  schedule(): void {
    if (this.disposed || this.pending) return;
    this.pending = true;
    const wait = this.options.leading ? Math.max(0, this.lastFlush + this.delayMs - this.timers.now()) : this.delayMs;
    this.handle = this.timers.setTimeout(() => this.run(), wait);
  }

  flushNow(): void {
    if (this.disposed) return;
    if (this.pending) this.timers.clearTimeout(this.handle);
    this.run();
  }

  private run(): void {
    this.pending = false;
    this.handle = undefined;
    this.lastFlush = this.timers.now();
    if (!this.disposed) this.flush();
  }

  dispose(): void {
    this.disposed = true;
    if (this.pending) this.timers.clearTimeout(this.handle);
    this.pending = false;
  }
}
