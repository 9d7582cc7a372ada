import type { Json } from '../../protocol/run';
import { backendFunction, requireBackendFunction } from './backendBridge';
import { isJsonObject, toJson } from '../../shared/json';
import type { MetadataTarget } from './metadataManager';
import { pipeToEngine, type AsyncIterableStream, type StreamWriteOptions } from './pipe';
import { currentRuntime, requireRuntime } from './runtime';

export type RunMetadata = Record<string, Json>;

/** The chainable mutators; the same set exists for the run itself, `metadata.parent` and `metadata.root`. */
export interface RunMetadataUpdater {
  set(key: string, value: unknown): RunMetadataUpdater;
  del(key: string): RunMetadataUpdater;
  append(key: string, value: unknown): RunMetadataUpdater;
  remove(key: string, value: unknown): RunMetadataUpdater;
  increment(key: string, value?: number): RunMetadataUpdater;
  decrement(key: string, value?: number): RunMetadataUpdater;
  flush(): Promise<void>;
}

/** Outside a task the mutators do nothing, as Trigger.dev's do. */
function updater(target: MetadataTarget): RunMetadataUpdater {
  const self: RunMetadataUpdater = {
    set(key, value) {
      currentRuntime()?.metadata.set(target, key, value);
      return self;
    },
    del(key) {
      currentRuntime()?.metadata.del(target, key);
      return self;
    },
    append(key, value) {
      currentRuntime()?.metadata.append(target, key, value);
      return self;
    },
    remove(key, value) {
      currentRuntime()?.metadata.remove(target, key, value);
      return self;
    },
    increment(key, value = 1) {
      currentRuntime()?.metadata.increment(target, key, value);
      return self;
    },
    decrement(key, value = 1) {
      currentRuntime()?.metadata.increment(target, key, -value);
      return self;
    },
    flush() {
      const rt = currentRuntime();
      return rt ? rt.metadata.flush() : Promise.resolve();
    },
  };
  return self;
}

const selfUpdater = updater('self');

/**
 * Run metadata inside a task (Trigger.dev's `metadata`): mutators are synchronous, apply to the
 * local copy at once and are sent to the engine within 100 ms; `flush()` sends now.
 */
export const metadata = {
  ...selfUpdater,
  /** The current run's metadata (a copy), or undefined outside a task. */
  current(): RunMetadata | undefined {
    return currentRuntime()?.metadata.snapshot();
  },
  get(key: string): Json | undefined {
    return currentRuntime()?.metadata.get(key);
  },
  /** Replaces the whole metadata object (operation `update`). */
  replace(value: RunMetadata): void {
    currentRuntime()?.metadata.replace('self', value);
  },
  /** @deprecated as in Trigger.dev: use `metadata.replace()`. */
  save(value: RunMetadata): void {
    currentRuntime()?.metadata.replace('self', value);
  },
  /** Flushes, then reloads the metadata from the engine (through the backend SDK's `runs.retrieve`). */
  async refresh(): Promise<void> {
    const rt = currentRuntime();
    if (!rt) return;
    await rt.metadata.flush();
    const retrieve = backendFunction(['runs', 'retrieve']);
    if (!retrieve) return;
    const run: unknown = await retrieve(rt.ctx.run.id);
    const fresh = toJson((run as { metadata?: unknown } | null)?.metadata ?? {}, 'metadata');
    if (isJsonObject(fresh)) rt.metadata.reset(fresh);
  },
  /** @deprecated as in Trigger.dev: use `streams.read()`. The chunks of this run's stream `key`, until it ends. */
  async fetchStream<T>(key: string, signal?: AbortSignal): Promise<AsyncIterable<T>> {
    const rt = currentRuntime();
    if (!rt) throw new Error('metadata.fetchStream() reads the current run: call it inside a task');
    return requireBackendFunction(['readStream'])(rt.ctx.run.id, key, { signal }) as AsyncIterable<T>;
  },
  /** @deprecated as in Trigger.dev: use `streams.pipe()`. */
  async stream<T>(key: string, value: AsyncIterable<T> | ReadableStream<T>, signal?: AbortSignal): Promise<AsyncIterableStream<T>> {
    const options: StreamWriteOptions = { signal };
    return pipeToEngine(requireRuntime('metadata.stream()'), key, value, options).stream;
  },
  parent: updater('parent'),
  root: updater('root'),
};
