import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { SSE_EVENTS } from '../protocol/sse';
import { Channel } from './channel';
import { EngineApiError, SseFeedError, isAbortError } from './errors';
import { sleep } from '../shared/sleep';

/**
 * SSE client for the engine's feeds: reads the response body with eventsource-parser, reconnects with
 * `Last-Event-ID` and exponential backoff after drops, stops for good on `event: end`, `event: error`,
 * a non-retryable HTTP status (401/403/404/other 4xx) or abort. Plain `fetch`, no Node-only API.
 */

export type SseMessage = EventSourceMessage;

export interface SseBackoff {
  /** First delay after a failure (default 100 ms). */
  initialMs?: number;
  /** Cap (default 5000 ms). */
  maxMs?: number;
  /** Growth per consecutive failure (default 2). */
  factor?: number;
  /** Fraction of the delay that is randomised away, 0..1 (default 0.5). */
  jitter?: number;
}

export interface SseOpenInfo {
  status: number;
  /** 0 for the first connection, then the number of reconnects so far. */
  attempt: number;
  /** The `Last-Event-ID` sent with this connection. */
  lastEventId?: string;
}

export interface SseRetryInfo {
  /** Consecutive failures so far (1 for the first). */
  failures: number;
  delayMs: number;
  lastEventId?: string;
}

export interface SseRequest {
  url: string;
  headers?: Record<string, string>;
  /** Resume after this id (sent as `Last-Event-ID` on the first connection). */
  lastEventId?: string;
  signal?: AbortSignal;
  onOpen?: (info: SseOpenInfo) => void;
  /** A retryable failure (network error, drop, 5xx/408/429, idle timeout); the client reconnects after `delayMs`. */
  onError?: (error: unknown, info: SseRetryInfo) => void;
  backoff?: SseBackoff;
  /** Reconnect when no byte at all (not even a `: ping`) arrives for this long. Default 45 000 ms. */
  idleTimeoutMs?: number;
  /** Give up on a connection attempt that has no response headers after this long. Default 30 000 ms. */
  connectTimeoutMs?: number;
  /** Largest event the parser buffers, in characters. Default 64 Mi. */
  maxBufferSize?: number;
  fetch?: typeof fetch;
}

export interface SubscribeSseOptions extends SseRequest {
  /** Called for every event (comments excluded), in order; awaited before the next one (back-pressure). */
  onEvent: (message: SseMessage) => void | Promise<void>;
}

/** How a subscription ended without an error. */
export type SseStopReason = 'end' | 'aborted';

const DEFAULTS = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.5 };

export function backoffDelay(failures: number, backoff: SseBackoff = {}, random: () => number = Math.random): number {
  const b = { ...DEFAULTS, ...backoff };
  const base = Math.min(b.maxMs, b.initialMs * Math.pow(b.factor, Math.max(0, failures - 1)));
  const jitter = Math.min(1, Math.max(0, b.jitter));
  return Math.round(base * (1 - jitter * random()));
}

/** HTTP statuses after which a feed is retried; every other non-2xx status ends it with an EngineApiError. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

type Attempt = { kind: 'end' } | { kind: 'aborted' } | { kind: 'drop'; error: unknown; delivered: boolean };

/**
 * Follows one SSE feed until it ends. Resolves `'end'` after `event: end` (which is passed to `onEvent`
 * first) and `'aborted'` after `signal` aborts; rejects with EngineApiError (HTTP refusal), SseFeedError
 * (`event: error`), or whatever `onEvent` throws.
 */
export async function subscribeSse(options: SubscribeSseOptions): Promise<SseStopReason> {
  const state = { lastEventId: options.lastEventId, retryMs: undefined as number | undefined };
  let failures = 0;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) return 'aborted';
    const result = await connectOnce(options, state, attempt);
    if (result.kind === 'end') return 'end';
    if (result.kind === 'aborted') return 'aborted';
    failures = result.delivered ? 1 : failures + 1;
    let delayMs = backoffDelay(failures, options.backoff);
    if (state.retryMs !== undefined && failures === 1) delayMs = Math.max(delayMs, state.retryMs);
    options.onError?.(result.error, { failures, delayMs, lastEventId: state.lastEventId });
    if (!(await sleep(delayMs, options.signal))) return 'aborted';
  }
}

/** The same feed as an async iterable of events; `break` closes the connection. */
export function sseMessages(request: SseRequest): AsyncIterableIterator<SseMessage> {
  const controller = new AbortController();
  const outer = request.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  const channel = new Channel<SseMessage>(256, () => controller.abort());
  subscribeSse({ ...request, signal: controller.signal, onEvent: (m) => channel.push(m) })
    .then(
      () => channel.end(),
      (err: unknown) => channel.fail(err),
    )
    .finally(() => outer?.removeEventListener('abort', onOuterAbort));
  return channel;
}

async function connectOnce(options: SubscribeSseOptions, state: { lastEventId?: string; retryMs?: number }, attempt: number): Promise<Attempt> {
  const outer = options.signal;
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number, why: string) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new SseTimeoutError(why)), ms);
  };
  let delivered = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const userAborted = () => outer?.aborted === true;

  try {
    const headers: Record<string, string> = {
      Accept: 'text/event-stream',
      'Cache-Control': 'no-cache',
      ...options.headers,
    };
    if (state.lastEventId !== undefined && state.lastEventId !== '') headers['Last-Event-ID'] = state.lastEventId;
    arm(options.connectTimeoutMs ?? 30_000, 'no response from the server');
    let res: Response;
    try {
      res = await (options.fetch ?? fetch)(options.url, { headers, signal: controller.signal });
    } catch (error) {
      if (userAborted()) return { kind: 'aborted' };
      return { kind: 'drop', error: controller.signal.reason instanceof SseTimeoutError ? controller.signal.reason : error, delivered };
    }
    if (!res.ok) {
      const err = await EngineApiError.fromResponse(res);
      if (userAborted()) return { kind: 'aborted' };
      if (isRetryableStatus(res.status)) return { kind: 'drop', error: err, delivered };
      throw err;
    }
    const type = res.headers.get('content-type') ?? '';
    if (!/^text\/event-stream/i.test(type)) {
      await res.body?.cancel().catch(() => undefined);
      throw new EngineApiError(res.status, 'not_event_stream', `expected text/event-stream from ${options.url}, got "${type || 'no content type'}"`);
    }
    if (!res.body) return { kind: 'drop', error: new Error('response has no body'), delivered };
    options.onOpen?.({ status: res.status, attempt, lastEventId: state.lastEventId });

    type Item = { id: string } | { message: SseMessage };
    const pending: Item[] = [];
    let overflow: Error | undefined;
    const parser = createParser({
      onId: (id) => pending.push({ id }),
      onEvent: (message) => pending.push({ message }),
      onRetry: (ms) => {
        state.retryMs = ms;
      },
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') overflow = err;
      },
      maxBufferSize: options.maxBufferSize ?? 64 * 1024 * 1024,
    });
    const decoder = new TextDecoder('utf-8');
    reader = res.body.getReader();
    const idleMs = options.idleTimeoutMs ?? 45_000;

    for (;;) {
      arm(idleMs, `no data for ${idleMs} ms`);
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (userAborted()) return { kind: 'aborted' };
        return { kind: 'drop', error: controller.signal.reason instanceof SseTimeoutError ? controller.signal.reason : error, delivered };
      }
      parser.feed(chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true }));
      if (overflow) throw new EngineApiError(0, 'sse_event_too_large', overflow.message);
      for (const item of pending.splice(0)) {
        if ('id' in item) {
          state.lastEventId = item.id;
          continue;
        }
        const { message } = item;
        if (message.event === SSE_EVENTS.error) throw feedError(message.data);
        if (timer) clearTimeout(timer);
        await options.onEvent(message);
        delivered = true;
        if (userAborted()) return { kind: 'aborted' };
        if (message.event === SSE_EVENTS.end) return { kind: 'end' };
      }
      if (chunk.done) return { kind: 'drop', error: new Error('the server closed the feed'), delivered };
    }
  } catch (error) {
    if (userAborted() && isAbortError(error)) return { kind: 'aborted' };
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
    if (reader) reader.cancel().catch(() => undefined);
    else controller.abort();
  }
}

function feedError(data: string): SseFeedError {
  const err = EngineApiError.fromBody(0, data);
  return new SseFeedError(0, err.code === 'http_0' ? 'feed_error' : err.code, err.message.replace(/^HTTP 0: /, ''), err.issues);
}

export class SseTimeoutError extends Error {
  override readonly name = 'SseTimeoutError';
}
