import { Channel } from '../../client/channel';
import type { EngineClient } from '../../client/api';
import type { Run } from '../../protocol/run';
import { toRealtimeRun, type RealtimeRun, type RunWithStreamsResult } from './types';

/** Opens the underlying run feed with the subscription's abort signal. */
export type OpenRunFeed = (signal: AbortSignal) => AsyncIterableIterator<Run>;

export interface RunSubscriptionOptions {
  /** Which streams `withStreams()` opens; default: every key in `realtimeStreams`. */
  streamFilter?: (key: string) => boolean;
  /** Stream keys opened for every run as soon as it is seen, listed in `realtimeStreams` or not (e.g. `$logs`). */
  extraStreams?: string[];
  /**
   * After the run feed has ended (a finished run), how long open streams may still take to send their
   * `event: end` before they are closed. Default 30 s (Trigger.dev keeps a finished run's feed 30 s).
   */
  streamDrainTimeoutMs?: number;
}

/**
 * A live run feed, consumed once: `for await (const run of sub)`, or `for await (const part of
 * sub.withStreams())` for run updates interleaved with the chunks of the runs' streams.
 * `unsubscribe()` (or `break`) closes every connection.
 */
export class RunSubscription<TTask = unknown> implements AsyncIterable<RealtimeRun<TTask>> {
  private readonly controller = new AbortController();
  private used = false;

  constructor(
    private readonly client: EngineClient,
    private readonly open: OpenRunFeed,
    private readonly options: RunSubscriptionOptions = {},
  ) {}

  unsubscribe(): void {
    this.controller.abort();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  [Symbol.asyncIterator](): AsyncIterator<RealtimeRun<TTask>> {
    const feed = this.open(this.claim());
    return {
      next: async () => {
        const r = await feed.next();
        return r.done ? { done: true, value: undefined } : { done: false, value: toRealtimeRun<TTask>(r.value) };
      },
      return: async () => {
        await feed.return?.();
        this.unsubscribe();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Run updates as `{ type: 'run', run }` and, for every stream key that appears in a run's
   * `realtimeStreams`, its chunks as `{ type: key, chunk, run }` (run = the latest state of that run).
   * Each (run, key) stream is opened once. Ends when the run feed has ended and every stream has ended.
   */
  withStreams<TStreams extends Record<string, unknown> = Record<string, unknown>>(): AsyncIterableIterator<RunWithStreamsResult<RealtimeRun<TTask>, TStreams>> {
    type Part = RunWithStreamsResult<RealtimeRun<TTask>, TStreams>;
    const signal = this.claim();
    const out = new Channel<Part>(256, () => this.unsubscribe());
    const latest = new Map<string, RealtimeRun<TTask>>();
    const opened = new Set<string>();
    const streams = new Map<string, AbortController>();
    let active = 1;
    let drainTimer: ReturnType<typeof setTimeout> | undefined;

    const finishOne = () => {
      if (--active > 0) return;
      if (drainTimer) clearTimeout(drainTimer);
      out.end();
    };
    const fail = (error: unknown) => {
      if (drainTimer) clearTimeout(drainTimer);
      out.fail(error);
      this.unsubscribe();
    };

    const openStream = (runId: string, key: string) => {
      const id = `${runId}\u0000${key}`;
      if (opened.has(id)) return;
      if (this.options.streamFilter && !this.options.streamFilter(key) && !this.options.extraStreams?.includes(key)) return;
      opened.add(id);
      active++;
      const ctrl = new AbortController();
      streams.set(id, ctrl);
      const onAbort = () => ctrl.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      void (async () => {
        try {
          for await (const c of this.client.subscribeToStream(runId, key, { signal: ctrl.signal })) {
            const run = latest.get(runId);
            if (!run) continue;
            await out.push({ type: key, chunk: c.value, run } as Part);
          }
          streams.delete(id);
          finishOne();
        } catch (error) {
          if (signal.aborted) finishOne();
          else fail(error);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      })();
    };

    void (async () => {
      try {
        for await (const wire of this.open(signal)) {
          const run = toRealtimeRun<TTask>(wire);
          latest.set(run.id, run);
          await out.push({ type: 'run', run });
          for (const key of [...(this.options.extraStreams ?? []), ...wire.realtimeStreams]) openStream(wire.id, key);
        }
        if (active > 1 && !signal.aborted) {
          // The run finished: its streams end on their own once drained; bound the wait.
          drainTimer = setTimeout(() => {
            for (const ctrl of streams.values()) ctrl.abort();
          }, this.options.streamDrainTimeoutMs ?? 30_000);
        }
        finishOne();
      } catch (error) {
        if (signal.aborted) finishOne();
        else fail(error);
      }
    })();
    return out;
  }

  private claim(): AbortSignal {
    if (this.used) throw new Error('a run subscription can be iterated only once; subscribe again for another reader');
    this.used = true;
    return this.controller.signal;
  }
}
