/** Batch items as `@trigger.dev/sdk` takes them: an array, an async iterable (an async generator) or a ReadableStream. */
export type BatchItems<T> = readonly T[] | AsyncIterable<T> | ReadableStream<T>;

function isReadableStream<T>(v: unknown): v is ReadableStream<T> {
  return typeof v === 'object' && v !== null && typeof (v as ReadableStream<T>).getReader === 'function';
}

function isAsyncIterable<T>(v: unknown): v is AsyncIterable<T> {
  return typeof v === 'object' && v !== null && typeof (v as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/**
 * The items of a batch as an array. An async iterable or a stream is read to its end first: the engine takes a
 * batch in one request (upstream streams the items to its server in chunks; the runs are the same).
 */
export async function collectBatchItems<T>(items: BatchItems<T>, what: string): Promise<T[]> {
  if (Array.isArray(items)) return items as T[];
  const out: T[] = [];
  if (isReadableStream<T>(items)) {
    const reader = items.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return out;
      out.push(value);
    }
  }
  if (isAsyncIterable<T>(items)) {
    for await (const item of items) out.push(item);
    return out;
  }
  throw new TypeError(`${what}: items must be an array, an async iterable or a ReadableStream (got ${items === null ? 'null' : typeof items})`);
}
