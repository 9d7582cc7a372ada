import { encodeChunk } from '../../protocol/chunk';
import type { AttemptRuntime } from './runtime';

/** A ReadableStream that can also be read with `for await`. */
export type AsyncIterableStream<T> = ReadableStream<T> & AsyncIterable<T>;

export interface StreamWriteOptions {
  /** `"self"` (default), `"parent"`, `"root"` or a run id. Parent/root fall back to self. */
  target?: string;
  signal?: AbortSignal;
}

export interface PipeStreamResult<T> {
  /** The same data, for the task to consume; the source is tee'd. */
  stream: AsyncIterableStream<T>;
  /** Resolves when the source ended and the engine acknowledged every chunk. */
  waitUntilComplete(): Promise<void>;
}

/** At most this many chunk batches of one pipe wait for their ack before the pipe stops reading. */
const MAX_BATCHES_IN_FLIGHT = 3;

/** Encodes one chunk: strings and JSON values as JSON, any byte view or ArrayBuffer as binary. */
export function encodeStreamValue(value: unknown): string {
  if (ArrayBuffer.isView(value) && !(value instanceof Uint8Array)) {
    return encodeChunk(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
  return encodeChunk(value);
}

function isReadableStream<T>(v: unknown): v is ReadableStream<T> {
  return (
    typeof v === 'object' && v !== null && typeof (v as { getReader?: unknown }).getReader === 'function' && typeof (v as { tee?: unknown }).tee === 'function'
  );
}

function isAsyncIterable<T>(v: unknown): v is AsyncIterable<T> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** Wraps a ReadableStream or an async iterable (e.g. an OpenAI completion stream) as a ReadableStream. */
export function toReadableStream<T>(source: AsyncIterable<T> | ReadableStream<T>): ReadableStream<T> {
  if (isReadableStream<T>(source)) return source;
  if (isAsyncIterable<T>(source)) {
    let it: AsyncIterator<T> | undefined;
    return new ReadableStream<T>(
      {
        async pull(controller) {
          it ??= source[Symbol.asyncIterator]();
          const r = await it.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        },
        async cancel(reason) {
          await it?.return?.(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }
  throw new TypeError('streams.pipe() needs an AsyncIterable or a ReadableStream');
}

export function asAsyncIterableStream<T>(stream: ReadableStream<T>): AsyncIterableStream<T> {
  const s = stream as AsyncIterableStream<T>;
  if (typeof s[Symbol.asyncIterator] === 'function') return s;
  // Older runtimes: add an iterator that reads through a reader.
  Object.defineProperty(s, Symbol.asyncIterator, {
    value: async function* iterate() {
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  });
  return s;
}

/**
 * Pipes `source` into stream `key` of the attempt's run (or the target run): one branch of the
 * tee is read and sent chunk by chunk, the other is handed back to the task.
 */
export function pipeToEngine<T>(
  rt: AttemptRuntime,
  key: string,
  source: AsyncIterable<T> | ReadableStream<T>,
  opts: StreamWriteOptions | undefined,
): PipeStreamResult<T> {
  const target = rt.streamTarget(opts?.target);
  const [toEngine, toTask] = toReadableStream(source).tee();
  const reader = toEngine.getReader();
  const abort = (reason: unknown) => {
    reader.cancel(reason).catch(() => undefined);
  };
  const signal = opts?.signal;
  if (signal?.aborted) abort(signal.reason);
  signal?.addEventListener('abort', () => abort(signal.reason), { once: true });

  const done = (async () => {
    let firstError: unknown;
    const inFlight: Promise<void>[] = [];
    const watch = (p: Promise<void>) => {
      if (inFlight[inFlight.length - 1] === p) return;
      inFlight.push(p);
      p.catch((err: unknown) => {
        firstError ??= err;
      });
    };
    for (;;) {
      const { done: ended, value } = await reader.read();
      if (ended) break;
      watch(rt.chunks.write(target, key, encodeStreamValue(value)));
      if (firstError !== undefined) break;
      while (inFlight.length > MAX_BATCHES_IN_FLIGHT) await inFlight.shift()!.catch(() => undefined);
    }
    await Promise.all(inFlight.map((p) => p.catch(() => undefined)));
    if (firstError !== undefined) {
      abort(firstError);
      throw firstError;
    }
    if (signal?.aborted) throw signal.reason ?? new Error('the stream was aborted');
  })();
  done.catch(() => undefined);
  rt.track({ done, abort });
  return { stream: asAsyncIterableStream(toTask), waitUntilComplete: () => done };
}

/** Sends one value as one chunk; resolves when the engine acknowledged it. */
export function appendToEngine(rt: AttemptRuntime, key: string, value: unknown, opts: StreamWriteOptions | undefined): Promise<void> {
  if (opts?.signal?.aborted) return Promise.reject(opts.signal.reason ?? new Error('aborted'));
  let body: string;
  try {
    body = encodeStreamValue(value);
  } catch (err) {
    return Promise.reject(err);
  }
  const done = rt.chunks.write(rt.streamTarget(opts?.target), key, body);
  rt.track({ done, abort: () => undefined });
  return done;
}
