import { LIMITS } from '../../protocol/api';

/** Sends the bodies of one (target, key) batch; resolves once the engine committed them. */
export type SendChunks = (target: string, key: string, bodies: string[]) => Promise<void>;

interface Pending {
  bodies: string[];
  bytes: number;
  done: Deferred;
}

interface Channel {
  target: string;
  key: string;
  /** Batches waiting to go, oldest first; the last one is still being filled this tick. */
  queue: Pending[];
  sending: boolean;
}

class Deferred {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (err: unknown) => void;
  constructor() {
    this.promise = new Promise<void>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // The writer may not await its chunk; the failure still reaches whoever waits on the pipe.
    this.promise.catch(() => undefined);
  }
}

const MAX_BATCH_BODIES = 1000;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Batches stream chunks per (target, key): every chunk written in one tick goes out in one
 * `chunks` message; batches of one key are sent one after another (the next waits for the ack
 * of the previous), so chunks keep their order and a slow engine makes the batches bigger.
 */
export class ChunkSender {
  private readonly channels = new Map<string, Channel>();
  private scheduled = false;

  constructor(
    private readonly send: SendChunks,
    private readonly maxChunkBytes: number = LIMITS.chunkBytes,
  ) {}

  /** Queues one encoded chunk; resolves when the batch holding it was acknowledged. */
  write(target: string, key: string, body: string): Promise<void> {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.maxChunkBytes) {
      return Promise.reject(new RangeError(`stream chunk of ${bytes} bytes is over the ${this.maxChunkBytes}-byte limit`));
    }
    const id = `${target}\u0000${key}`;
    let ch = this.channels.get(id);
    if (!ch) {
      ch = { target, key, queue: [], sending: false };
      this.channels.set(id, ch);
    }
    let last = ch.queue[ch.queue.length - 1];
    const filling = last && !(ch.sending && ch.queue.length === 1);
    if (!last || !filling || last.bodies.length >= MAX_BATCH_BODIES || last.bytes + bytes > MAX_BATCH_BYTES) {
      last = { bodies: [], bytes: 0, done: new Deferred() };
      ch.queue.push(last);
    }
    last.bodies.push(body);
    last.bytes += bytes;
    this.schedule();
    return last.done.promise;
  }

  /** True while any chunk is queued or unacknowledged. */
  busy(): boolean {
    for (const ch of this.channels.values()) if (ch.queue.length > 0) return true;
    return false;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const ch of this.channels.values()) void this.pump(ch);
    });
  }

  private async pump(ch: Channel): Promise<void> {
    if (ch.sending) return;
    ch.sending = true;
    try {
      while (ch.queue.length > 0) {
        const batch = ch.queue[0]!;
        try {
          await this.send(ch.target, ch.key, batch.bodies);
          batch.done.resolve();
        } catch (err) {
          batch.done.reject(err);
        }
        ch.queue.shift();
      }
    } finally {
      ch.sending = false;
      if (ch.queue.length === 0) this.channels.delete(`${ch.target}\u0000${ch.key}`);
    }
  }
}
