import assert from 'node:assert/strict';
import { backoffDelay, sseMessages, subscribeSse, type SseMessage, type SubscribeSseOptions } from '../../../src/client/sse';
import { EngineApiError, SseFeedError } from '../../../src/client/errors';
import { sleep, sseHead, startServer, within, writeSlowly, type TestServer } from './helpers';

const fast = { backoff: { initialMs: 5, maxMs: 50 } };

describe('client/sse subscribeSse', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Subscribes until `event: end` (or the limit), collecting every event. */
  async function collect(url: string, extra: Partial<SubscribeSseOptions> = {}): Promise<{ events: SseMessage[]; reason: string }> {
    const events: SseMessage[] = [];
    const reason = await within(
      subscribeSse({
        url,
        ...fast,
        ...extra,
        onEvent: async (m) => {
          events.push(m);
          await extra.onEvent?.(m);
        },
      }),
      8000,
      'subscription',
    );
    return { events, reason };
  }

  it('parses events whose bytes arrive in many small reads', async () => {
    const wire = 'id: 1\nevent: run\ndata: {"a":1}\n\nid: 2\ndata: line one\ndata: line two\n\nevent: end\ndata: \n\n';
    server = await startServer(async (_req, res) => {
      sseHead(res);
      await writeSlowly(res, wire.match(/[\s\S]{1,3}/g) ?? [], 2);
    });
    const { events, reason } = await collect(server.url);
    assert.equal(reason, 'end');
    assert.deepEqual(
      events.map((e) => [e.id, e.event, e.data]),
      [
        ['1', 'run', '{"a":1}'],
        ['2', undefined, 'line one\nline two'],
        [undefined, 'end', ''],
      ],
    );
  });

  it('keeps multibyte UTF-8 characters intact when split across reads', async () => {
    const text = 'héllo € 😀 日本';
    const bytes = Buffer.from(`id: 1\ndata: ${text}\n\nevent: end\ndata: x\n\n`, 'utf8');
    const euro = bytes.indexOf(Buffer.from('€'));
    const emoji = bytes.indexOf(Buffer.from('😀'));
    // cut inside the 3-byte euro sign and inside the 4-byte emoji
    const pieces = [bytes.subarray(0, euro + 1), bytes.subarray(euro + 1, emoji + 2), bytes.subarray(emoji + 2, emoji + 3), bytes.subarray(emoji + 3)];
    server = await startServer(async (_req, res) => {
      sseHead(res);
      await writeSlowly(res, pieces);
    });
    const { events } = await collect(server.url);
    assert.equal(events[0]?.data, text);
  });

  it('accepts CRLF and bare CR line endings, including a CRLF split between reads', async () => {
    server = await startServer(async (_req, res) => {
      sseHead(res);
      await writeSlowly(res, ['id: 1\r\ndata: a\r', '\n\r\n', 'id: 2\rdata: b\r\r', 'event: end\r\ndata: \r\n\r\n']);
    });
    const { events } = await collect(server.url);
    assert.deepEqual(
      events.map((e) => [e.id, e.data]),
      [
        ['1', 'a'],
        ['2', 'b'],
        [undefined, ''],
      ],
    );
  });

  it('strips a leading BOM, even when it arrives in its own read', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    server = await startServer(async (_req, res) => {
      sseHead(res);
      await writeSlowly(res, [bom.subarray(0, 2), bom.subarray(2), 'id: 1\ndata: first\n\n', 'event: end\ndata: \n\n']);
    });
    const { events } = await collect(server.url);
    assert.equal(events[0]?.id, '1');
    assert.equal(events[0]?.data, 'first');
  });

  it('ignores comments (keep-alive pings) and never hands them out as events', async () => {
    server = await startServer(async (_req, res) => {
      sseHead(res);
      await writeSlowly(res, [': ping\n\n', 'id: 1\ndata: a\n\n', ':another comment\n', ': ping\n\n', 'id: 2\ndata: b\n\n', 'event: end\ndata: \n\n']);
    });
    const { events } = await collect(server.url);
    assert.deepEqual(
      events.map((e) => e.data),
      ['a', 'b', ''],
    );
  });

  it('resumes with Last-Event-ID after the server drops mid-stream: no gap, no duplicate', async () => {
    const log = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, data: `event ${i + 1}` }));
    server = await startServer(async (req, res, n) => {
      sseHead(res);
      const after = Number(req.headers['last-event-id'] ?? 0);
      const rest = log.filter((e) => e.id > after);
      if (n === 1) {
        for (const e of rest.slice(0, 5)) res.write(`id: ${e.id}\ndata: ${e.data}\n\n`);
        // half of the next event, then the connection is cut
        res.write(`id: ${rest[5]!.id}\ndata: partial`);
        await sleep(30);
        res.socket?.destroy();
        return;
      }
      if (n === 2) {
        // a second drop right after three more events, this time with a clean close
        for (const e of rest.slice(0, 3)) res.write(`id: ${e.id}\ndata: ${e.data}\n\n`);
        await sleep(20);
        res.end();
        return;
      }
      for (const e of rest) res.write(`id: ${e.id}\ndata: ${e.data}\n\n`);
      res.write('event: end\ndata: \n\n');
    });
    const errors: unknown[] = [];
    const { events, reason } = await collect(server.url, { onError: (e) => void errors.push(e) });
    assert.equal(reason, 'end');
    const ids = events.filter((e) => e.event !== 'end').map((e) => Number(e.id));
    assert.deepEqual(
      ids,
      log.map((e) => e.id),
    );
    assert.ok(!events.some((e) => e.data === 'partial'), 'a half-received event must not be delivered');
    assert.deepEqual(
      server.requests.map((r) => r.headers['last-event-id']),
      [undefined, '5', '8'],
    );
    assert.equal(errors.length, 2);
  });

  it('sends the initial lastEventId on the first connection', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      res.write('event: end\ndata: \n\n');
    });
    await collect(server.url, { lastEventId: '41' });
    assert.equal(server.requests[0]?.headers['last-event-id'], '41');
  });

  it('stops after event: end and does not reconnect even though the server keeps the connection open', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      res.write('id: 1\ndata: a\n\nevent: end\ndata: \n\n');
      // never ends the response
    });
    const { reason } = await collect(server.url);
    assert.equal(reason, 'end');
    await sleep(100);
    assert.equal(server.requests.length, 1);
  });

  for (const status of [401, 403, 404]) {
    it(`stops on HTTP ${status} with a typed EngineApiError and no retry`, async () => {
      server = await startServer((_req, res) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: `code_${status}`, message: `refused ${status}` } }));
      });
      const srv = server;
      await assert.rejects(
        within(subscribeSse({ url: srv.url, ...fast, onEvent: () => undefined }), 5000),
        (err: unknown) => err instanceof EngineApiError && err.status === status && err.code === `code_${status}` && err.message === `refused ${status}`,
      );
      await sleep(80);
      assert.equal(srv.requests.length, 1);
    });
  }

  it('retries 5xx and network errors with backoff, then continues', async () => {
    server = await startServer((_req, res, n) => {
      if (n === 1) {
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end('{"error":{"code":"unavailable","message":"busy"}}');
        return;
      }
      if (n === 2) {
        res.socket?.destroy();
        return;
      }
      sseHead(res);
      res.write('id: 1\ndata: ok\n\nevent: end\ndata: \n\n');
    });
    const retries: { error: unknown; failures: number }[] = [];
    const { events } = await collect(server.url, { onError: (error, info) => void retries.push({ error, failures: info.failures }) });
    assert.equal(events[0]?.data, 'ok');
    assert.equal(retries.length, 2);
    assert.ok(retries[0]!.error instanceof EngineApiError && retries[0]!.error.status === 503);
    assert.deepEqual(
      retries.map((r) => r.failures),
      [1, 2],
    );
  });

  it('stops on event: error with an SseFeedError carrying the code', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      res.write('id: 1\ndata: a\n\n');
      res.write(`event: error\ndata: ${JSON.stringify({ error: { code: 'token_expired', message: 'Public Access Token has expired' } })}\n\n`);
    });
    const srv = server;
    const events: SseMessage[] = [];
    await assert.rejects(
      within(subscribeSse({ url: srv.url, ...fast, onEvent: (m) => void events.push(m) }), 5000),
      (err: unknown) => err instanceof SseFeedError && err.code === 'token_expired' && /expired/.test(err.message),
    );
    assert.equal(events.length, 1);
    await sleep(80);
    assert.equal(srv.requests.length, 1);
  });

  it('refuses a 200 that is not an event stream', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html></html>');
    });
    const srv = server;
    await assert.rejects(
      within(subscribeSse({ url: srv.url, ...fast, onEvent: () => undefined }), 5000),
      (err: unknown) => err instanceof EngineApiError && err.code === 'not_event_stream',
    );
  });

  it('stops on abort: resolves "aborted" and the server sees the connection close', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    server = await startServer((req, res) => {
      sseHead(res);
      res.write('id: 1\ndata: a\n\n');
      const ping = setInterval(() => res.write(': ping\n\n'), 20);
      req.socket.on('close', () => {
        clearInterval(ping);
        closed();
      });
    });
    const controller = new AbortController();
    const reason = subscribeSse({
      url: server.url,
      ...fast,
      signal: controller.signal,
      onEvent: () => controller.abort(),
    });
    assert.equal(await within(reason, 3000), 'aborted');
    await within(serverSawClose, 3000, 'server-side close');
    await sleep(80);
    assert.equal(server.requests.length, 1);
  });

  it('stops on abort during the backoff wait', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const controller = new AbortController();
    const p = subscribeSse({
      url: server.url,
      backoff: { initialMs: 10_000, maxMs: 10_000, jitter: 0 },
      signal: controller.signal,
      onEvent: () => undefined,
      onError: () => setTimeout(() => controller.abort(), 10),
    });
    assert.equal(await within(p, 2000), 'aborted');
  });

  it('reconnects when the connection goes silent past idleTimeoutMs', async () => {
    server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 1)
        res.write('id: 1\ndata: a\n\n'); // then silence
      else res.write('id: 2\ndata: b\n\nevent: end\ndata: \n\n');
    });
    const { events } = await collect(server.url, { idleTimeoutMs: 150 });
    assert.deepEqual(
      events.map((e) => e.data),
      ['a', 'b', ''],
    );
    assert.equal(server.requests[1]?.headers['last-event-id'], '1');
  });

  it('applies back-pressure: a slow onEvent is awaited before the next event', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      res.write('data: 1\n\ndata: 2\n\ndata: 3\n\nevent: end\ndata: \n\n');
    });
    const order: string[] = [];
    await collect(server.url, {
      onEvent: async (m) => {
        order.push(`start ${m.data}`);
        await sleep(10);
        order.push(`done ${m.data}`);
      },
    });
    assert.deepEqual(order.slice(0, 4), ['start 1', 'done 1', 'start 2', 'done 2']);
  });
});

describe('client/sse sseMessages (async iterable)', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('yields events until end', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      res.write('id: 1\ndata: a\n\nid: 2\ndata: b\n\nevent: end\ndata: \n\n');
    });
    const got: string[] = [];
    for await (const m of sseMessages({ url: server.url, ...fast })) got.push(m.data);
    assert.deepEqual(got, ['a', 'b', '']);
  });

  it('break closes the connection', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    server = await startServer((req, res) => {
      sseHead(res);
      let i = 0;
      const t = setInterval(() => res.write(`id: ${++i}\ndata: ${i}\n\n`), 5);
      req.socket.on('close', () => {
        clearInterval(t);
        closed();
      });
    });
    let count = 0;
    for await (const _ of sseMessages({ url: server.url, ...fast })) {
      if (++count === 3) break;
    }
    assert.equal(count, 3);
    await within(serverSawClose, 3000, 'server-side close');
  });

  it('throws the typed error from the loop', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"error":{"code":"unauthorized","message":"bad token"}}');
    });
    await assert.rejects(
      (async () => {
        for await (const _ of sseMessages({ url: server!.url, ...fast })) {
          /* nothing */
        }
      })(),
      (err: unknown) => err instanceof EngineApiError && err.status === 401 && err.code === 'unauthorized',
    );
  });
});

describe('client/sse backoffDelay', () => {
  it('grows exponentially to the cap, with jitter taking at most the given fraction', () => {
    const none = () => 0;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, {}, none)),
      [100, 200, 400, 800, 1600, 3200, 5000, 5000],
    );
    assert.equal(
      backoffDelay(1, {}, () => 1),
      50,
    );
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3, {});
      assert.ok(d >= 200 && d <= 400, String(d));
    }
  });
});
