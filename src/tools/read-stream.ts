import type { EngineClient } from '../client/api';
import { isAbortError } from '../client/errors';

export interface ReadStreamOptions {
  /** The run is finished: read until the engine's end of stream (bounded by timeoutMs). */
  finished: boolean;
  /** A live run: stop once no chunk came for this long (default 300 ms). */
  settleMs?: number;
  /** Stop reading after this long in any case (default 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** How a read of a stream ended. */
export type ReadStreamEnd = 'end' | 'settled' | 'stopped' | 'timeout';

/**
 * Reads a run stream's chunks so far: to its end when the run is finished, else until the backlog has been
 * read and nothing new came for `settleMs`. `onChunk` returns false to stop reading (a size bound reached).
 */
export async function readStream(
  client: EngineClient,
  runId: string,
  key: string,
  onChunk: (value: unknown, idx: number) => boolean,
  options: ReadStreamOptions,
): Promise<ReadStreamEnd> {
  const controller = new AbortController();
  let why: ReadStreamEnd | undefined;
  const stop = (reason: ReadStreamEnd) => {
    why ??= reason;
    controller.abort();
  };
  const total = setTimeout(() => stop('timeout'), options.timeoutMs ?? 10_000);
  const onOuter = () => stop('timeout');
  options.signal?.addEventListener('abort', onOuter, { once: true });
  const settleMs = options.settleMs ?? 300;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    if (options.finished) return;
    clearTimeout(idle);
    idle = setTimeout(() => stop('settled'), settleMs);
  };
  armIdle();
  try {
    for await (const chunk of client.subscribeToStream(runId, key, { signal: controller.signal })) {
      if (!onChunk(chunk.value, chunk.idx)) {
        stop('stopped');
        break;
      }
      armIdle();
    }
    return why ?? 'end';
  } catch (error) {
    if (why && isAbortError(error)) return why;
    if (why) return why;
    throw error;
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
    options.signal?.removeEventListener('abort', onOuter);
  }
}
