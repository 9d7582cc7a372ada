import http from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseClient {
  /** Resolves when the response headers arrived. */
  opened: Promise<void>;
  /** Resolves when the response ended (or was closed). */
  ended: Promise<void>;
  close(): void;
}

/**
 * A minimal SSE subscriber on node:http (no agent pooling) parsing with eventsource-parser — the same
 * client for the engine and the raw baseline, so client cost is equal on both sides.
 */
export function sseGet(url: string, headers: Record<string, string>, onEvent: (m: EventSourceMessage) => void): SseClient {
  let open!: () => void;
  let fail!: (e: Error) => void;
  let done!: () => void;
  const opened = new Promise<void>((res, rej) => ((open = res), (fail = rej)));
  const ended = new Promise<void>((res) => (done = res));
  const parser = createParser({ onEvent });
  const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    if (res.statusCode !== 200) {
      fail(new Error(`SSE ${url}: HTTP ${res.statusCode}`));
      res.resume();
      done();
      return;
    }
    open();
    res.setEncoding('utf8');
    res.on('data', (s: string) => parser.feed(s));
    res.on('end', done);
    res.on('close', done);
  });
  req.on('error', (e) => {
    fail(e);
    done();
  });
  opened.catch(() => undefined);
  return { opened, ended, close: () => req.destroy() };
}

/** JSON request over node:http; rejects on non-2xx. */
export function httpJson<T>(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; data: T; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      { method, headers: { accept: 'application/json', ...(text ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (buf += s));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(new Error(`${method} ${url}: HTTP ${status} ${buf.slice(0, 300)}`));
          resolve({ status, data: (buf ? JSON.parse(buf) : undefined) as T, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}
