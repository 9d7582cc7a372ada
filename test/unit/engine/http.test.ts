import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { SignJWT } from 'jose';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../support/engine';
import { TASKS } from './fixtures';
import { ErrorBody, JWT_AUDIENCE, JWT_ISSUER } from '../../../src/protocol';

async function sign(secret: string, claims: Record<string, unknown>, opts: { exp?: number; nbf?: number; iss?: string; aud?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ pub: true, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(opts.iss ?? JWT_ISSUER)
    .setAudience(opts.aud ?? JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? now + 600);
  if (opts.nbf) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe('engine: HTTP, auth and bad input', function () {
  this.timeout(60_000);
  let t: TestEngine;
  let runId: string;
  let otherRunId: string;

  before(async () => {
    t = await startTestEngine(TASKS, { workers: 1 });
    await waitFor(async () => ((await t.client.listTasks()).tasks.length > 0 ? true : undefined), 30_000, 'tasks');
    runId = (await t.client.trigger('echo', { value: 1 }, { tags: ['mine'] })).id;
    otherRunId = (await t.client.trigger('echo', { value: 2 }, { tags: ['theirs'] })).id;
    await followRun(t.client, runId);
  });
  after(async () => t?.close());

  async function call(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(t.url + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = res.headers.get('content-type')?.includes('event-stream') ? (res.body?.cancel(), '') : await res.text();
    return { status: res.status, text, headers: res.headers };
  }

  it('refuses every kind of bad token with 401/403 and an error body', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | undefined, number][] = [
      ['no token', undefined, 401],
      ['garbage', 'not-a-token', 401],
      ['another secret key', 'rl_dev_someoneelseskey123456', 401],
      ['signed with another key', await sign('rl_dev_otherkey', { scopes: [`read:runs:${runId}`] }), 401],
      [
        'alg none',
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ pub: true, scopes: ['read:all'], exp: now + 600, iss: JWT_ISSUER, aud: JWT_AUDIENCE })).toString('base64url')}.`,
        401,
      ],
      ['expired', await sign(t.key, { scopes: [`read:runs:${runId}`] }, { exp: now - 10 }), 401],
      ['not yet valid', await sign(t.key, { scopes: [`read:runs:${runId}`] }, { nbf: now + 3600 }), 401],
      ['wrong audience', await sign(t.key, { scopes: [`read:runs:${runId}`] }, { aud: 'someone-else' }), 401],
      ['token for another run', await sign(t.key, { scopes: [`read:runs:${otherRunId}`] }), 403],
      ['token for another tag', await sign(t.key, { scopes: ['read:tags:theirs'] }), 403],
    ];
    let refused = 0;
    for (const [name, token, status] of cases) {
      for (const path of [`/api/v3/runs/${runId}`, `/realtime/v1/runs/${runId}`, `/realtime/v1/streams/${runId}/tokens`]) {
        const r = await call('GET', path, token);
        assert.equal(r.status, status, `${name} on ${path}`);
        const body = ErrorBody.parse(JSON.parse(r.text));
        assert.ok(body.error.message.length > 0);
        refused++;
      }
    }
    assert.equal(refused, cases.length * 3);
  });

  it('accepts a token scoped to the run, its tag, or read:all', async () => {
    for (const scopes of [[`read:runs:${runId}`], ['read:tags:mine'], ['read:all'], ['read:runs']]) {
      const r = await call('GET', `/api/v3/runs/${runId}`, await sign(t.key, { scopes }));
      assert.equal(r.status, 200, scopes.join());
    }
  });

  it('keeps secret-only routes closed to Public Access Tokens', async () => {
    const pat = await sign(t.key, { scopes: ['read:all'] });
    const routes: [string, string, unknown?][] = [
      ['POST', '/api/v1/tasks/echo/trigger', { payload: {} }],
      ['POST', `/api/v2/runs/${runId}/cancel`, {}],
      ['POST', `/api/v1/runs/${runId}/replay`, {}],
      ['GET', '/api/v1/runs'],
      ['PUT', `/api/v1/runs/${runId}/metadata`, { operations: [] }],
      ['POST', '/api/v1/auth/jwt', { scopes: ['read:all'] }],
      ['GET', '/api/v1/tasks'],
    ];
    for (const [method, path, body] of routes) {
      const r = await call(method, path, pat, body);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(ErrorBody.parse(JSON.parse(r.text)).error.code, 'forbidden');
    }
  });

  it('accepts a trigger token for its task only, and a one-time token once', async () => {
    const tok = await sign(t.key, { scopes: ['trigger:tasks:echo'], otu: true });
    assert.equal((await call('POST', '/api/v1/tasks/echo/trigger', tok, { payload: {} })).status, 201);
    assert.equal((await call('POST', '/api/v1/tasks/echo/trigger', tok, { payload: {} })).status, 401);
    const other = await sign(t.key, { scopes: ['trigger:tasks:echo'] });
    assert.equal((await call('POST', '/api/v1/tasks/tagger/trigger', other, { payload: {} })).status, 403);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const port = new URL(t.url).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: `/api/v3/runs/${runId}`, headers: { host: `evil.example:${port}`, authorization: `Bearer ${t.key}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  });

  it('answers a request it cannot parse with a JSON error naming the part, and goes on serving', async () => {
    const port = Number(new URL(t.url).port);
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(text));
        const parts: Buffer[] = [];
        socket.on('data', (d: Buffer) => parts.push(d));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(parts).toString('utf8')));
      });
    const parse = (answer: string) => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      return { status: Number(head.split(' ')[1]), head, error: ErrorBody.parse(JSON.parse(body)).error };
    };
    const big = parse(await raw(`GET /api/v3/runs/${runId} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${'x'.repeat(20_000)}\r\n\r\n`));
    assert.equal(big.status, 431);
    assert.match(big.error.message, /^headers: the request line and headers come to more than the \d+-byte limit$/);
    assert.match(big.head, /content-type: application\/json/);
    const junk = parse(await raw('NOT HTTP AT ALL\r\n\r\n'));
    assert.equal(junk.status, 400);
    assert.match(junk.error.message, /^request: not valid HTTP/);
    const pipelined = await raw(`GET /realtime/v1/runs/${runId} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${t.key}\r\n\r\nNOT HTTP\r\n\r\n`);
    assert.doesNotMatch(pipelined, /bad_request/, 'an error was written into the stream the connection was receiving');
    assert.equal((await call('GET', `/api/v3/runs/${runId}`, t.key)).status, 200);
  });

  it('listens on 127.0.0.1 only: another interface of this machine is refused', async function () {
    const port = Number(new URL(t.url).port);
    assert.equal(new URL(t.url).hostname, '127.0.0.1');
    const other = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!other) this.skip();
    const code = await new Promise<string>((resolve) => {
      const s = connect({ host: other!.address, port }, () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.equal(code, 'ECONNREFUSED');
  });

  it('answers CORS preflight and exposes the token header', async () => {
    const r = await call('OPTIONS', '/api/v1/tasks/echo/trigger', undefined, undefined, {
      origin: 'http://localhost:3000',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(r.headers.get('access-control-allow-credentials'), null);
    const t2 = await call('POST', '/api/v1/tasks/echo/trigger', t.key, { payload: {} });
    assert.match(t2.headers.get('access-control-expose-headers') ?? '', /x-trigger-jwt/);
  });

  it('rejects bad input with a 4xx naming the field, and stores nothing', async () => {
    const before = (await t.client.listRuns({ pageSize: 1000 })).data.length;
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/v1/tasks/echo/trigger', '{not json', /body/],
      ['POST', '/api/v1/tasks/echo/trigger', { payload: 1, options: { tags: 'x'.repeat(200) } }, /tag/],
      ['POST', '/api/v1/tasks/echo/trigger', { payload: 1, options: { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) } }, /tags/],
      ['POST', '/api/v1/tasks/echo/trigger', { payload: 1, options: { tags: ['bad\u0001tag'] } }, /control/],
      ['POST', '/api/v1/tasks/echo/trigger', { payload: 1, options: { delay: 'soon' } }, /delay/],
      ['POST', '/api/v1/tasks/echo/trigger', { payload: 1, options: { maxAttempts: 0 } }, /maxAttempts/],
      ['POST', '/api/v1/tasks/echo/trigger', { payload: 'x'.repeat(3 * 1024 * 1024 + 10) }, /payload|body/],
      ['POST', '/api/v1/tasks/echo/trigger', { payload: 1, options: { metadata: { big: 'x'.repeat(300 * 1024) } } }, /metadata/],
      ['POST', '/api/v1/tasks/echo/trigger', `{"payload":${'['.repeat(200)}${']'.repeat(200)}}`, /deeper/],
      ['POST', '/api/v1/tasks/batch', { items: [] }, /items/],
      ['POST', '/api/v1/tasks/batch', { items: [{ task: 'echo' }, { task: 'echo', options: { tags: 5 } }] }, /items\.1/],
      ['PUT', `/api/v1/runs/${runId}/metadata`, { operations: [{ type: 'set', key: '__proto__', value: 1 }] }, /__proto__/],
      ['PUT', `/api/v1/runs/${runId}/metadata`, { operations: [{ type: 'set', key: '$.a.constructor.b', value: 1 }] }, /constructor/],
      ['PUT', `/api/v1/runs/${runId}/metadata`, { operations: [{ type: 'explode', key: 'a' }] }, /operations\.0/],
      // A "__proto__" key would be dropped silently by any JS object copy: refused, with its path.
      ['POST', '/api/v1/tasks/echo/trigger', '{"payload":{"a":[1,{"b":{"__proto__":{"x":1}}}]}}', /\bpayload\.a\.1\.b\.__proto__: /],
      ['PUT', `/api/v1/runs/${runId}/metadata`, '{"metadata":{"ok":1,"__proto__":{"polluted":true}}}', /\bmetadata\.__proto__: /],
      ['PUT', `/api/v1/runs/${runId}/metadata`, '{"operations":[{"type":"update","value":{"n":{"__proto__":1}}}]}', /\boperations\.0\.value\.n\.__proto__: /],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await call(method, path, t.key, body);
      assert.ok(r.status >= 400 && r.status < 500, `${path} ${JSON.stringify(body).slice(0, 80)} → ${r.status}`);
      const err = ErrorBody.parse(JSON.parse(r.text));
      assert.match(err.error.message, field, err.error.message);
    }
    const after = (await t.client.listRuns({ pageSize: 1000 })).data.length;
    assert.equal(after, before, 'no run was stored by a refused request');
    const meta = await t.client.getMetadata(runId);
    assert.deepEqual(meta, {});
  });

  it('answers 404 for an unknown run and route, 405 for a wrong method', async () => {
    assert.equal((await call('GET', '/api/v3/runs/run_nope', t.key)).status, 404);
    assert.equal((await call('GET', '/api/v9/nothing', t.key)).status, 404);
    assert.equal((await call('DELETE', `/api/v3/runs/${runId}`, t.key)).status, 405);
  });

  it('tells official clients not to retry a refusal that will not change (they retry a 409 and a 5xx otherwise)', async () => {
    const missing = await call('GET', '/api/v3/runs/run_nope', t.key);
    assert.equal(missing.headers.get('x-should-retry'), 'false');
    const token = await call('POST', '/api/v1/waitpoints/tokens', t.key, {});
    const { id } = JSON.parse(token.text) as { id: string };
    assert.equal((await call('POST', `/api/v1/waitpoints/tokens/${id}/complete`, t.key, { data: 1 })).status, 200);
    const twice = await call('POST', `/api/v1/waitpoints/tokens/${id}/complete`, t.key, { data: 2 });
    assert.deepEqual([twice.status, twice.headers.get('x-should-retry')], [409, 'false']);
  });

  it('applies metadata operations through the API', async () => {
    const meta = await t.client.updateMetadata(runId, {
      operations: [
        { type: 'set', key: 'step', value: 'one' },
        { type: 'increment', key: 'n', value: 5 },
        { type: 'append', key: 'log', value: 'a' },
        { type: 'append', key: 'log', value: 'b' },
        { type: 'remove', key: 'log', value: 'a' },
        { type: 'set', key: '$.deep.path', value: true },
      ],
    });
    assert.deepEqual(meta, { step: 'one', n: 5, log: ['b'], deep: { path: true } });
  });

  it('refuses an increment past the largest JSON number with 422 naming the key, and keeps the metadata as it was', async () => {
    const before = await t.client.getMetadata(runId);
    const r = await call('PUT', `/api/v1/runs/${runId}/metadata`, t.key, {
      operations: [
        { type: 'set', key: 'fresh', value: 1 },
        { type: 'increment', key: 'n', value: 1.7e308 },
        { type: 'increment', key: 'n', value: 1.7e308 },
      ],
    });
    assert.equal(r.status, 422, r.text);
    const body = JSON.parse(r.text) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'metadata_overflow');
    assert.match(body.error.message, /^metadata\.n: incrementing .* gives Infinity, which JSON cannot hold$/);
    assert.deepEqual(await t.client.getMetadata(runId), before, 'no operation of the refused request was applied');
  });
});
