/**
 * A bounded queue between a push-based producer (SSE callbacks) and a pull-based consumer
 * (`for await`). `push` resolves once there is room, so a slow consumer slows the reader down
 * instead of growing memory. `return()` (a `break` in `for await`) calls `onCancel`.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly readers: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  private readonly writers: (() => void)[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly highWater = 256,
    private readonly onCancel?: () => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a value; resolves when the queue has room again. Ignored once closed. */
  push(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    const reader = this.readers.shift();
    if (reader) {
      reader.resolve({ value, done: false });
      return Promise.resolve();
    }
    this.items.push(value);
    if (this.items.length < this.highWater) return Promise.resolve();
    return new Promise((resolve) => this.writers.push(resolve));
  }

  /** Ends the iteration after the values already queued. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseWriters();
    this.flushReaders();
  }

  /** Ends the iteration with `error`, thrown after the values already queued. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = { error };
    this.releaseWriters();
    this.flushReaders();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      if (this.items.length < this.highWater) this.releaseWriters();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return this.finished();
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  /** The consumer stopped early (`break`): drop what is queued and cancel the producer. */
  return(): Promise<IteratorResult<T>> {
    const wasOpen = !this.closed;
    this.closed = true;
    this.failure = undefined;
    this.items.length = 0;
    this.releaseWriters();
    this.flushReaders();
    if (wasOpen) this.onCancel?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finished(): Promise<IteratorResult<T>> {
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  private flushReaders(): void {
    if (this.items.length > 0) return;
    for (const reader of this.readers.splice(0)) {
      if (this.failure) {
        reader.reject(this.failure.error);
        this.failure = undefined;
      } else reader.resolve({ value: undefined, done: true });
    }
  }

  private releaseWriters(): void {
    for (const w of this.writers.splice(0)) w();
  }
}
