import { Channel } from '../../client/channel';
import { apiClient } from './config';

export interface ReadStreamOptions {
  signal?: AbortSignal;
  /** First chunk index to read (default 0). */
  startIndex?: number;
  /**
   * End the read when no chunk arrives for this many seconds (default 60, as Trigger.dev's
   * `streams.read`). The engine also ends it on its own once the run is finished and the stream drained.
   */
  timeoutInSeconds?: number;
}

/** The chunks of stream `key` of a run, decoded (binary chunks come back as Uint8Array). */
export function readStream<T = unknown>(runId: string, key = 'default', options: ReadStreamOptions = {}): AsyncIterableIterator<T> {
  const client = apiClient();
  const controller = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => controller.abort();
  if (outer?.aborted) controller.abort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  const out = new Channel<T>(256, () => controller.abort());
  const idleMs = (options.timeoutInSeconds ?? 60) * 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    if (idleMs > 0) timer = setTimeout(() => controller.abort(), idleMs);
  };
  arm();
  void (async () => {
    try {
      for await (const chunk of client.subscribeToStream(runId, key, { signal: controller.signal, fromIdx: options.startIndex })) {
        if (timer) clearTimeout(timer);
        await out.push(chunk.value as T);
        arm();
      }
      out.end();
    } catch (error) {
      out.fail(error);
    } finally {
      if (timer) clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  })();
  return out;
}
