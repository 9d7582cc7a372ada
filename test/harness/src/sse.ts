// A minimal SSE subscriber for tests (fetch + eventsource-parser): every event with its arrival time.
import { createParser } from 'eventsource-parser';

export interface TimedEvent {
  /** Date.now() when the event was parsed. */
  t: number;
  event: string | undefined;
  id: string | undefined;
  data: string;
}

export interface SseSubscription {
  /** Resolves once the response headers arrived (the feed is live from then on). */
  opened: Promise<void>;
  /** Resolves when the feed ends (server closed it, or close()). */
  ended: Promise<void>;
  close(): void;
}

export function subscribeSse(url: string, bearer: string, onEvent: (e: TimedEvent) => void): SseSubscription {
  const abort = new AbortController();
  let markOpen: () => void = () => undefined;
  let failOpen: (err: unknown) => void = () => undefined;
  const opened = new Promise<void>((resolve, reject) => {
    markOpen = resolve;
    failOpen = reject;
  });
  const ended = (async () => {
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}`, accept: 'text/event-stream' }, signal: abort.signal });
      if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status} ${await res.text().catch(() => '')}`);
      markOpen();
      const parser = createParser({ onEvent: (m) => onEvent({ t: Date.now(), event: m.event, id: m.id, data: m.data }) });
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (err) {
      failOpen(err);
      if (!abort.signal.aborted) throw err;
    }
  })();
  ended.catch(() => undefined);
  return { opened, ended: ended.catch(() => undefined), close: () => abort.abort() };
}
