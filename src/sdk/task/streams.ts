import { unsupported } from '../backend/unsupported';
import { StreamKey } from '../../protocol/api';
import { requireBackendFunction } from './backendBridge';
import {
  appendToEngine,
  asAsyncIterableStream,
  pipeToEngine,
  toReadableStream,
  type AsyncIterableStream,
  type PipeStreamResult,
  type StreamWriteOptions,
} from './pipe';
import { requireRuntime } from './runtime';

export type { AsyncIterableStream, PipeStreamResult } from './pipe';
export type PipeStreamOptions = StreamWriteOptions;
export type AppendStreamOptions = StreamWriteOptions;

export const DEFAULT_STREAM_KEY = 'default';

export interface StreamWriterHelpers<T> {
  write(part: T): void;
  merge(stream: ReadableStream<T> | AsyncIterable<T>): void;
}

export interface WriterStreamOptions<T> extends StreamWriteOptions {
  execute(helpers: StreamWriterHelpers<T>): void | Promise<void>;
}

export interface ReadStreamOptions {
  timeoutInSeconds?: number;
  startIndex?: number;
  signal?: AbortSignal;
}

export interface RealtimeDefinedStream<T> {
  id: string;
  pipe(value: AsyncIterable<T> | ReadableStream<T>, options?: PipeStreamOptions): PipeStreamResult<T>;
  append(value: T, options?: AppendStreamOptions): Promise<void>;
  writer(options: WriterStreamOptions<T>): PipeStreamResult<T>;
  read(runId: string, options?: ReadStreamOptions): Promise<AsyncIterableStream<T>>;
}

export type InferStreamType<S> = S extends RealtimeDefinedStream<infer T> ? T : unknown;

function checkKey(key: string): string {
  const parsed = StreamKey.safeParse(key);
  if (!parsed.success) throw new TypeError(`invalid stream key ${JSON.stringify(key)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function pipe<T>(value: AsyncIterable<T> | ReadableStream<T>, options?: PipeStreamOptions): PipeStreamResult<T>;
function pipe<T>(key: string, value: AsyncIterable<T> | ReadableStream<T>, options?: PipeStreamOptions): PipeStreamResult<T>;
function pipe<T>(
  keyOrValue: string | AsyncIterable<T> | ReadableStream<T>,
  valueOrOptions?: AsyncIterable<T> | ReadableStream<T> | PipeStreamOptions,
  options?: PipeStreamOptions,
): PipeStreamResult<T> {
  const rt = requireRuntime('streams.pipe()');
  if (typeof keyOrValue === 'string') {
    return pipeToEngine(rt, checkKey(keyOrValue), valueOrOptions as AsyncIterable<T> | ReadableStream<T>, options);
  }
  return pipeToEngine(rt, DEFAULT_STREAM_KEY, keyOrValue, valueOrOptions as PipeStreamOptions | undefined);
}

function isWriteOptions(v: unknown): v is StreamWriteOptions {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k === 'target' || k === 'signal' || k === 'requestOptions');
}

/**
 * `append(value)`, `append(value, options)` or `append(key, value, options?)`. Like Trigger.dev,
 * two strings mean (key, value); a string followed by an options object means (value, options).
 */
function append<T>(value: T, options?: AppendStreamOptions): Promise<void>;
function append<T>(key: string, value: T, options?: AppendStreamOptions): Promise<void>;
function append(keyOrValue: unknown, valueOrOptions?: unknown, options?: AppendStreamOptions): Promise<void> {
  const rt = requireRuntime('streams.append()');
  if (typeof keyOrValue === 'string' && valueOrOptions !== undefined && !isWriteOptions(valueOrOptions)) {
    return appendToEngine(rt, checkKey(keyOrValue), valueOrOptions, options);
  }
  const opts = isWriteOptions(valueOrOptions) ? valueOrOptions : options;
  return appendToEngine(rt, DEFAULT_STREAM_KEY, keyOrValue, opts);
}

function writer<T>(options: WriterStreamOptions<T>): PipeStreamResult<T>;
function writer<T>(key: string, options: WriterStreamOptions<T>): PipeStreamResult<T>;
function writer<T>(keyOrOptions: string | WriterStreamOptions<T>, maybeOptions?: WriterStreamOptions<T>): PipeStreamResult<T> {
  const rt = requireRuntime('streams.writer()');
  const key = typeof keyOrOptions === 'string' ? checkKey(keyOrOptions) : DEFAULT_STREAM_KEY;
  const options = typeof keyOrOptions === 'string' ? maybeOptions : keyOrOptions;
  if (!options || typeof options.execute !== 'function') throw new TypeError('streams.writer() needs { execute({ write, merge }) }');

  let controller!: ReadableStreamDefaultController<T>;
  const source = new ReadableStream<T>({
    start(c) {
      controller = c;
    },
  });
  const enqueue = (part: T) => {
    try {
      controller.enqueue(part);
    } catch {
      // the stream was closed or cancelled: later writes are dropped
    }
  };
  const ongoing: Promise<unknown>[] = [];
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
  };
  try {
    const result = options.execute({
      write: enqueue,
      merge(stream) {
        ongoing.push(
          (async () => {
            const reader = toReadableStream(stream).getReader();
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return;
              enqueue(value);
            }
          })().catch(fail),
        );
      },
    });
    if (result && typeof result.then === 'function') ongoing.push(Promise.resolve(result).catch(fail));
  } catch (err) {
    fail(err);
  }
  void (async () => {
    // merge() may be called later from inside execute's async work: drain until nothing is left.
    while (ongoing.length > 0) await ongoing.shift();
    try {
      if (failure !== undefined) controller.error(failure);
      else controller.close();
    } catch {
      // already closed or cancelled
    }
  })();
  return pipeToEngine(rt, key, source, options);
}

/** Reads a run's stream through the backend SDK (`readStream(runId, key, options)`). */
function read<T>(runId: string, options?: ReadStreamOptions): Promise<AsyncIterableStream<T>>;
function read<T>(runId: string, key: string, options?: ReadStreamOptions): Promise<AsyncIterableStream<T>>;
async function read<T>(runId: string, keyOrOptions?: string | ReadStreamOptions, options?: ReadStreamOptions): Promise<AsyncIterableStream<T>> {
  const key = typeof keyOrOptions === 'string' ? keyOrOptions : DEFAULT_STREAM_KEY;
  const opts = typeof keyOrOptions === 'string' ? options : keyOrOptions;
  const result = await requireBackendFunction(['readStream'])(runId, key, opts);
  return asAsyncIterableStream(toReadableStream(result as AsyncIterable<T> | ReadableStream<T>));
}

function define<T>(opts: { id: string }): RealtimeDefinedStream<T> {
  const id = checkKey(opts.id);
  return {
    id,
    pipe: (value, options) => pipe<T>(id, value, options),
    append: (value, options) => appendToEngine(requireRuntime('streams.append()'), id, value, options),
    writer: (options) => writer<T>(id, options),
    read: (runId, options) => read<T>(runId, id, options),
  };
}

export const streams = { pipe, append, writer, read, define, input: unsupported('streams.input()') };
