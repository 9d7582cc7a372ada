import assert from 'node:assert/strict';
import { EngineClient } from '../../../src/client/api';
import { EngineApiError, EngineConnectionError } from '../../../src/client/errors';
import { encodeChunk } from '../../../src/protocol/chunk';
import { makeRun, runEvent } from './fixtures';
import { sseHead, startServer, within, type TestServer } from './helpers';

const KEY = 'rl_dev_testtesttesttest';

describe('client/api EngineClient', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const client = () => new EngineClient({ baseURL: server!.url + '/', accessToken: KEY, sse: { backoff: { initialMs: 5, maxMs: 20 } } });

  it('throws EngineApiError with status, code, message and issues from the error body', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'invalid_request', message: 'options.tags: a run has at most 10 tags', issues: [{ path: 'options.tags', message: 'too many' }] },
        }),
      );
    });
    await assert.rejects(client().trigger('hello', {}, { tags: ['a'] }), (err: unknown) => {
      assert.ok(err instanceof EngineApiError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'invalid_request');
      assert.equal(err.message, 'options.tags: a run has at most 10 tags');
      assert.deepEqual(err.issues, [{ path: 'options.tags', message: 'too many' }]);
      return true;
    });
  });

  it('keeps a non-JSON error body readable', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    });
    await assert.rejects(
      client().retrieveRun('run_1'),
      (err: unknown) => err instanceof EngineApiError && err.status === 502 && err.code === 'http_502' && /Bad gateway/.test(err.message),
    );
  });

  it('refuses a response that does not match the schema', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 'run_1' }));
    });
    await assert.rejects(
      client().retrieveRun('run_1'),
      (err: unknown) => err instanceof EngineApiError && err.code === 'bad_response' && (err.issues?.length ?? 0) > 0,
    );
  });

  it('reports an unreachable engine as EngineConnectionError', async () => {
    server = await startServer(() => undefined);
    const url = server.url;
    await server.close();
    server = undefined;
    const c = new EngineClient({ baseURL: url, accessToken: KEY });
    await assert.rejects(c.listTasks(), (err: unknown) => err instanceof EngineConnectionError && err.message.includes(url));
  });

  it('a request with no answer fails after requestTimeoutMs as EngineConnectionError', async () => {
    server = await startServer(() => undefined); // never answers
    const c = new EngineClient({ baseURL: server.url, accessToken: KEY, requestTimeoutMs: 200 });
    const t0 = Date.now();
    await assert.rejects(c.retrieveRun('run_1'), (err: unknown) => err instanceof EngineConnectionError && /no answer within 200 ms/.test(err.message));
    assert.ok(Date.now() - t0 < 3000);
  });

  it('sends consecutive requests over one kept-alive connection, and decodes UTF-8 split across packets', async () => {
    const ports: number[] = [];
    server = await startServer((req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const body = Buffer.from(JSON.stringify({ id: 'run_ünï😀' }));
      res.write(body.subarray(0, 12)); // cuts "ü" in half
      setTimeout(() => res.end(body.subarray(12)), 5);
    });
    const c = client();
    for (let i = 0; i < 3; i++) assert.deepEqual(await c.cancelRun('run_1'), { id: 'run_ünï😀' });
    assert.equal(ports.length, 3);
    assert.equal(new Set(ports).size, 1, `one connection for three requests, saw client ports ${ports.join(', ')}`);
  });

  it('goes through an injected fetch, with its timeout, when one is given', async () => {
    server = await startServer((req, res) => {
      if (req.url?.includes('slow')) return; // never answers
      res.writeHead(200, { 'Content-Type': 'application/json', 'x-trigger-jwt': 'jwt.x' });
      res.end(JSON.stringify({ id: 'run_7' }));
    });
    const seen: string[] = [];
    const spy: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const c = new EngineClient({ baseURL: server.url, accessToken: KEY, fetch: spy, requestTimeoutMs: 200 });
    assert.deepEqual(await c.trigger('t', null), { id: 'run_7', publicAccessToken: 'jwt.x' });
    await assert.rejects(
      c.retrieveRun('slow'),
      (err: unknown) => err instanceof EngineConnectionError && /GET \/api\/v3\/runs\/slow: no answer within 200 ms/.test(err.message),
    );
    assert.equal(seen.length, 2);
  });

  it('trigger sends the body and bearer token and returns the x-trigger-jwt', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'x-trigger-jwt': 'jwt.for.run' });
      res.end(JSON.stringify({ id: 'run_42' }));
    });
    const r = await client().trigger('my/task', { prompt: 'hi' }, { tags: 'user:1', maxDuration: 30 });
    assert.deepEqual(r, { id: 'run_42', publicAccessToken: 'jwt.for.run' });
    const req = server.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/api/v1/tasks/my%2Ftask/trigger');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(req.body), { payload: { prompt: 'hi' }, options: { tags: 'user:1', maxDuration: 30 } });
  });

  it('listRuns encodes the filters as filter[...] and page[...]', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ data: [makeRun()], pagination: { next: 'run_1' } }));
    });
    const page = await client().listRuns({
      status: ['COMPLETED', 'FAILED'],
      tag: 'user:1',
      taskIdentifier: 'hello',
      batch: 'batch_1',
      pageSize: 5,
      after: 'run_9',
    });
    assert.equal(page.data[0]?.id, 'run_1');
    const u = new URL(server.requests[0]!.url, 'http://x');
    assert.equal(u.pathname, '/api/v1/runs');
    assert.equal(u.searchParams.get('filter[status]'), 'COMPLETED,FAILED');
    assert.equal(u.searchParams.get('filter[tag]'), 'user:1');
    assert.equal(u.searchParams.get('filter[taskIdentifier]'), 'hello');
    assert.equal(u.searchParams.get('filter[batch]'), 'batch_1');
    assert.equal(u.searchParams.get('page[size]'), '5');
    assert.equal(u.searchParams.get('page[after]'), 'run_9');
  });

  it('metadata, tags, cancel, replay, tasks and token routes', async () => {
    server = await startServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const path = new URL(req.url ?? '', 'http://x').pathname;
      if (path.endsWith('/metadata')) res.end(JSON.stringify({ metadata: { progress: 0.5 } }));
      else if (path.endsWith('/tags')) res.end('{}');
      else if (path.endsWith('/cancel') || path.endsWith('/replay')) res.end(JSON.stringify({ id: 'run_2' }));
      else if (path === '/api/v1/tasks') res.end(JSON.stringify({ tasks: [{ id: 'hello', filePath: 'trigger/hello.ts', line: 3 }], errors: [] }));
      else if (path === '/api/v1/auth/jwt') res.end(JSON.stringify({ token: 'minted' }));
      else res.end('null');
    });
    const c = client();
    assert.deepEqual(await c.getMetadata('run_1'), { progress: 0.5 });
    assert.deepEqual(await c.updateMetadata('run_1', { operations: [{ type: 'set', key: 'progress', value: 0.5 }] }), { progress: 0.5 });
    await c.addTags('run_1', ['a', 'b']);
    assert.deepEqual(await c.cancelRun('run_1'), { id: 'run_2' });
    assert.deepEqual(await c.replayRun('run_1'), { id: 'run_2' });
    assert.equal((await c.listTasks()).tasks[0]?.id, 'hello');
    assert.equal(await c.createPublicToken(['read:runs'], '1h'), 'minted');
    await c.appendToStream('run_1', 'answer', new Uint8Array([1, 2]));
    const byPath = server.requests.map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(byPath, [
      'GET /api/v1/runs/run_1/metadata',
      'PUT /api/v1/runs/run_1/metadata',
      'POST /api/v1/runs/run_1/tags',
      'POST /api/v2/runs/run_1/cancel',
      'POST /api/v1/runs/run_1/replay',
      'GET /api/v1/tasks',
      'POST /api/v1/auth/jwt',
      'POST /realtime/v1/streams/run_1/self/answer/append',
    ]);
    assert.deepEqual(JSON.parse(server.requests[2]!.body), { tags: ['a', 'b'] });
    assert.deepEqual(JSON.parse(server.requests[6]!.body), { scopes: ['read:runs'], expirationTime: '1h' });
    assert.equal(server.requests[7]!.body, encodeChunk(new Uint8Array([1, 2])));
  });

  it('subscribeToRun yields each state and ends at a terminal one while the connection stays open', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      res.write(runEvent(1, makeRun({ status: 'QUEUED' })));
      res.write(runEvent(2, makeRun({ status: 'EXECUTING', startedAt: '2025-01-02T03:04:07.000Z' })));
      res.write(runEvent(3, makeRun({ status: 'COMPLETED', output: 'done', finishedAt: '2025-01-02T03:04:08.000Z' })));
      res.write(runEvent(4, makeRun({ status: 'COMPLETED', tags: ['late'] })));
      // the connection stays open
    });
    const seen: string[] = [];
    const ids: string[] = [];
    await within(
      (async () => {
        for await (const run of client().subscribeToRun('run_1', { onEventId: (id) => ids.push(id) })) seen.push(run.status);
      })(),
      5000,
      'subscribeToRun',
    );
    assert.deepEqual(seen, ['QUEUED', 'EXECUTING', 'COMPLETED']);
    assert.deepEqual(ids, ['1', '2', '3']);
    assert.equal(server.requests[0]!.url, '/realtime/v1/runs/run_1');
  });

  it('subscribeToRun does not end on a dropped connection: it resumes from the last seq', async () => {
    server = await startServer((req, res, n) => {
      sseHead(res);
      if (n === 1) {
        res.write(runEvent(7, makeRun({ status: 'EXECUTING' })));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      assert.equal(req.headers['last-event-id'], '7');
      res.write(runEvent(8, makeRun({ status: 'FAILED', error: { message: 'boom' }, finishedAt: '2025-01-02T03:04:09.000Z' })));
    });
    const seen: string[] = [];
    for await (const run of client().subscribeToRun('run_1')) seen.push(run.status);
    assert.deepEqual(seen, ['EXECUTING', 'FAILED']);
    assert.equal(server.requests.length, 2);
  });

  it('a run event that is not a Run ends the feed with bad_event', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      res.write('id: 1\nevent: run\ndata: {"id":"run_1"}\n\n');
    });
    await assert.rejects(
      (async () => {
        for await (const _ of client().subscribeToAllRuns()) {
          /* nothing */
        }
      })(),
      (err: unknown) => err instanceof EngineApiError && err.code === 'bad_event',
    );
  });

  it('subscribeToStream decodes chunks (binary included), starts at fromIdx and ends at event: end', async () => {
    server = await startServer((req, res) => {
      sseHead(res);
      const from = Number(req.headers['last-event-id'] ?? -1) + 1;
      const chunks = ['a', { choices: [{ delta: { content: 'b' } }] }, new Uint8Array([0, 255, 7])];
      chunks.forEach((c, idx) => {
        if (idx >= from) res.write(`id: ${idx}\ndata: ${encodeChunk(c)}\n\n`);
      });
      res.write('event: end\ndata: \n\n');
    });
    const got: { idx: number; value: unknown }[] = [];
    for await (const c of client().subscribeToStream('run_1', 'answer', { fromIdx: 1 })) got.push(c);
    assert.equal(server.requests[0]!.headers['last-event-id'], '0');
    assert.equal(server.requests[0]!.url, '/realtime/v1/streams/run_1/answer');
    assert.equal(got.length, 2);
    assert.deepEqual(got[0], { idx: 1, value: { choices: [{ delta: { content: 'b' } }] } });
    assert.ok(got[1]!.value instanceof Uint8Array);
    assert.deepEqual([...(got[1]!.value as Uint8Array)], [0, 255, 7]);
  });
});
