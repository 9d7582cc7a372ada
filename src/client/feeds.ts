import { decodeChunk } from '../protocol/chunk';
import { Run } from '../protocol/run';
import { SSE_EVENTS } from '../protocol/sse';
import { Channel } from './channel';
import { EngineApiError } from './errors';
import { subscribeSse, type SseMessage, type SseRequest } from './sse';

/** Typed async iterables over the engine's SSE feeds (run feeds and stream feeds). */

export interface FeedOptions {
  signal?: AbortSignal;
  /** Resume after this event id (a run feed's seq). */
  lastEventId?: string;
  /** Called with each run event's id after the run was handed to the consumer (to persist a resume point). */
  onEventId?: (id: string) => void;
}

export interface StreamFeedOptions {
  signal?: AbortSignal;
  /** First chunk index wanted (default 0). */
  fromIdx?: number;
}

export interface StreamChunk {
  idx: number;
  value: unknown;
}

type Handler<T> = (message: SseMessage, emit: (value: T) => Promise<void>, stop: () => void) => Promise<void>;

/** Runs `subscribeSse` into a Channel: `break` or `signal` closes the connection; errors end the iteration. */
function feed<T>(request: SseRequest, handle: Handler<T>): AsyncIterableIterator<T> {
  const controller = new AbortController();
  const outer = request.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  const channel = new Channel<T>(256, () => controller.abort());
  const stop = () => controller.abort();
  subscribeSse({
    ...request,
    signal: controller.signal,
    onEvent: (message) => handle(message, (value) => channel.push(value), stop),
  })
    .then(
      () => channel.end(),
      (error: unknown) => channel.fail(error),
    )
    .finally(() => outer?.removeEventListener('abort', onOuterAbort));
  return channel;
}

export function parseRunEvent(data: string): Run {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new EngineApiError(0, 'bad_event', 'a run event is not valid JSON');
  }
  const parsed = Run.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new EngineApiError(0, 'bad_event', 'a run event does not match the Run schema', issues);
  }
  return parsed.data;
}

/** `event: run` messages as Run objects; ends when `stopWhen(run)` holds (after yielding that run). */
export function runFeed(request: SseRequest, options: FeedOptions, stopWhen?: (run: Run) => boolean): AsyncIterableIterator<Run> {
  return feed<Run>(request, async (message, emit, stop) => {
    if (message.event !== SSE_EVENTS.run) return;
    const run = parseRunEvent(message.data);
    await emit(run);
    if (message.id !== undefined) options.onEventId?.(message.id);
    if (stopWhen?.(run)) stop();
  });
}

/** Default (`message`) events of a stream feed as decoded chunks; ends at `event: end`. */
export function streamFeed(request: SseRequest): AsyncIterableIterator<StreamChunk> {
  return feed<StreamChunk>(request, async (message, emit) => {
    if (message.event !== undefined && message.event !== 'message') return;
    const idx = Number(message.id);
    if (message.id === undefined || !Number.isInteger(idx)) throw new EngineApiError(0, 'bad_event', 'a stream chunk has no numeric id');
    let value: unknown;
    try {
      value = decodeChunk(message.data);
    } catch {
      throw new EngineApiError(0, 'bad_event', `stream chunk ${idx} is not valid JSON`);
    }
    await emit({ idx, value });
  });
}
