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
  /** Batches not sent yet, oldest first; the last one is still being filled this tick. */
  queue: Pending[];
  /** Batches sent and not acknowledged yet. */
  inFlight: number;
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
 * Batches of one (target, key) sent before the first of them is acknowledged. The engine commits a
 * worker's batches in the order they arrive, so chunks keep their order; a chunk does not wait for the
 * round trip of the one before it, and once the window is full, a slow engine makes the batches bigger.
 */
const MAX_IN_FLIGHT = 8;

/**
 * Batches stream chunks per (target, key): every chunk written in one tick goes out in one `chunks`
 * message, without waiting for earlier batches' acks (up to MAX_IN_FLIGHT of them).
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
      ch = { target, key, queue: [], inFlight: 0 };
      this.channels.set(id, ch);
    }
    let last = ch.queue[ch.queue.length - 1];
    if (!last || last.bodies.length >= MAX_BATCH_BODIES || last.bytes + bytes > MAX_BATCH_BYTES) {
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
    return this.channels.size > 0;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const ch of this.channels.values()) this.sendReady(ch);
    });
  }

  private sendReady(ch: Channel): void {
    while (ch.inFlight < MAX_IN_FLIGHT && ch.queue.length > 0) {
      const batch = ch.queue.shift()!;
      ch.inFlight++;
      this.send(ch.target, ch.key, batch.bodies).then(
        () => this.settled(ch, batch, undefined),
        (err: unknown) => this.settled(ch, batch, err ?? new Error('the chunks were not acknowledged')),
      );
    }
  }

  private settled(ch: Channel, batch: Pending, err: unknown): void {
    ch.inFlight--;
    if (err === undefined) batch.done.resolve();
    else batch.done.reject(err);
    // Batches queued while the window was full go now; an idle channel is forgotten.
    if (ch.queue.length > 0) this.schedule();
    else if (ch.inFlight === 0) this.channels.delete(`${ch.target}\u0000${ch.key}`);
  }
}
