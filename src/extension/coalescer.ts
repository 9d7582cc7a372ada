import type { IDisposable } from './lifecycle';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Collects bursts of "something changed" into one flush at most every `delayMs`. The first schedule()
 * after a flush starts the timer; later ones within the window join it (the window is not extended, so
 * a steady stream of changes still flushes every `delayMs`). flushNow() bypasses the wait (manual refresh).
 */
export class Coalescer implements IDisposable {
  private handle: unknown;
  private pending = false;
  private disposed = false;

  constructor(
    private readonly delayMs: number,
    private readonly flush: () => void,
    private readonly timers: Timers = realTimers,
  ) {}

  get isPending(): boolean {
    return this.pending;
  }

  schedule(): void {
    if (this.disposed || this.pending) return;
    this.pending = true;
    this.handle = this.timers.setTimeout(() => this.run(), this.delayMs);
  }

  flushNow(): void {
    if (this.disposed) return;
    if (this.pending) this.timers.clearTimeout(this.handle);
    this.run();
  }

  private run(): void {
    this.pending = false;
    this.handle = undefined;
    if (!this.disposed) this.flush();
  }

  dispose(): void {
    this.disposed = true;
    if (this.pending) this.timers.clearTimeout(this.handle);
    this.pending = false;
  }
}
