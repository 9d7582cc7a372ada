import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../support/engine';
import { TASKS } from './fixtures';
import { ErrorBody, JWT_AUDIENCE, JWT_ISSUER } from '../../../src/protocol';
import { Router, startHttpServer } from '../../../src/engine/http/server';
import { StorageFailure } from '../../../src/engine/committer';
import { StoreRefusal } from '../../../src/engine/store/types';
import { runNotFound } from '../../../src/engine/store/codec';

/**
 * Every refusal the engine answers, byte for byte: status, content type and body of a list of bad requests,
 * and of errors no request can provoke on demand (a failing disk, a bug, a store refusing a duplicate id),
 * thrown by a route of the engine's HTTP server, compared with `error-bodies.json`. The fixture was recorded from the engine as it was before its errors were
 * reorganised; recording again (`RECORD_ERROR_BODIES=1`) is for a deliberate change of the wire format only.
 *
 * Values that differ between runs are masked, each case naming its own: the run id, the engine's port, and
 * the text of V8's JSON.parse errors (it differs between Node versions, so it is computed here, not stored).
 */

const FIXTURE = join(__dirname, 'error-bodies.json');
const RECORD = process.env.RECORD_ERROR_BODIES === '1';

interface Answer {
  status: number;
  type: string;
  body: string;
}

interface Recorded extends Answer {
  name: string;
}

type Fixture = Record<'requests' | 'thrown', Recorded[]>;

/** Records `seen` under `part` (RECORD_ERROR_BODIES=1), or compares it with what is recorded there. */
function compare(part: keyof Fixture, seen: Recorded[]): void {
  if (RECORD) {
    let fixture: Partial<Fixture> = {};
    try {
      fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
    } catch {
      // first recording
    }
    writeFileSync(FIXTURE, `${JSON.stringify({ requests: [], thrown: [], ...fixture, [part]: seen }, null, 2)}\n`);
    return;
  }
  const recorded = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture)[part];
  assert.deepEqual(
    seen.map((s) => s.name),
    recorded.map((r) => r.name),
    'the cases and the fixture list the same requests',
  );
  for (const [i, s] of seen.entries()) {
    const r = recorded[i]!;
    assert.equal(s.status, r.status, `${s.name}: status`);
    assert.equal(s.type, r.type, `${s.name}: content-type`);
    assert.ok(Buffer.from(s.body).equals(Buffer.from(r.body)), `${s.name}: body\n  got      ${s.body}\n  recorded ${r.body}`);
  }
}

/** GET from a server on 127.0.0.1:port. */
function get(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Case {
  name: string;
  send: () => Promise<Answer>;
  /** Literal text of the answer → the placeholder stored in the fixture. */
  masks?: [string, string][];
}

/** The message V8 gives for JSON.parse(text), as the engine quotes it. */
function jsonParseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${text} is valid JSON`);
}

async function sign(secret: string, claims: Record<string, unknown>, exp = Math.floor(Date.now() / 1000) + 600): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}

describe('engine: error bodies stay byte-identical', function () {
  this.timeout(60_000);
  let t: TestEngine;
  let port: number;
  let runId: string;

  before(async () => {
    t = await startTestEngine(TASKS, { workers: 1 });
    port = Number(new URL(t.url).port);
    await waitFor(async () => ((await t.client.listTasks()).tasks.length > 0 ? true : undefined), 30_000, 'tasks');
    runId = (await t.client.trigger('echo', { value: 1 }, { tags: ['t0', 't1', 't2', 't3', 't4', 't5'] })).id;
    await followRun(t.client, runId);
  });
  after(async () => t?.close());

  /** One request with exactly these headers (Host included), body sent as is. */
  function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer, chunked = false): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer`)));
      if (body !== undefined && !chunked) req.setHeader('content-length', Buffer.byteLength(body));
      if (chunked && body !== undefined) {
        // Two writes without a declared length: the engine only learns the size while reading.
        const b = Buffer.from(body);
        req.write(b.subarray(0, b.length >> 1));
        req.end(b.subarray(b.length >> 1));
      } else req.end(body);
    });
  }

  /** Bytes straight onto a socket, for requests Node's HTTP parser refuses. */
  function raw(text: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(text));
      const parts: Buffer[] = [];
      socket.on('data', (d: Buffer) => parts.push(d));
      socket.on('error', reject);
      socket.on('close', () => {
        const answer = Buffer.concat(parts).toString('utf8');
        const at = answer.indexOf('\r\n\r\n');
        const head = answer.slice(0, at);
        const type = /^content-type: (.*)$/im.exec(head)?.[1] ?? 'undefined';
        resolve({ status: Number(head.split(' ')[1]), type, body: answer.slice(at + 4) });
      });
    });
  }

  const secret = (): Record<string, string> => ({ authorization: `Bearer ${t.key}` });
  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const json = { 'content-type': 'application/json' };

  async function cases(): Promise<Case[]> {
    const now = Math.floor(Date.now() / 1000);
    const run = [runId, '<run>'] as [string, string];
    const readOther = await sign(t.key, { pub: true, scopes: ['read:runs:run_someoneelse'] });
    const readAll = await sign(t.key, { pub: true, scopes: ['read:all'] });
    const once = await sign(t.key, { pub: true, scopes: ['read:all'], otu: true });
    const notJson = '{not json';
    const badLine = '{"index":0,';
    const badPayload = '{"a":';
    return [
      // auth
      { name: 'no Authorization', send: () => send('GET', `/api/v3/runs/${runId}`, {}) },
      { name: 'Authorization not Bearer', send: () => send('GET', `/api/v3/runs/${runId}`, { authorization: 'Basic dXNlcjpwYXNz' }) },
      { name: 'another engine secret key', send: () => send('GET', `/api/v3/runs/${runId}`, bearer('rl_dev_someoneelseskey123456')) },
      { name: 'garbage token', send: () => send('GET', `/api/v3/runs/${runId}`, bearer('not-a-token')) },
      {
        name: 'token signed with another key',
        send: async () => send('GET', `/api/v3/runs/${runId}`, bearer(await sign('rl_dev_otherkey', { pub: true, scopes: ['read:all'] }))),
      },
      { name: 'token without pub claim', send: async () => send('GET', `/api/v3/runs/${runId}`, bearer(await sign(t.key, { scopes: ['read:all'] }))) },
      {
        name: 'expired token',
        send: async () => send('GET', `/api/v3/runs/${runId}`, bearer(await sign(t.key, { pub: true, scopes: ['read:all'] }, now - 10))),
      },
      { name: 'one-time token, first use', send: () => send('GET', '/api/v3/runs/run_missing', bearer(once)) },
      { name: 'one-time token, second use', send: () => send('GET', '/api/v3/runs/run_missing', bearer(once)) },
      { name: 'token on a secret-only route', send: () => send('GET', '/api/v1/runs', bearer(readAll)) },
      { name: 'token without scope for the run', send: () => send('GET', `/api/v3/runs/${runId}`, bearer(readOther)), masks: [run] },
      { name: 'token without scope for the tags', send: () => send('GET', '/realtime/v1/runs?tags=a,b', bearer(readOther)) },
      { name: 'token without scope for every run', send: () => send('GET', '/realtime/v1/runs', bearer(readOther)) },
      { name: 'token without scope for a two-phase batch', send: () => send('POST', '/api/v3/batches', { ...bearer(readOther), ...json }, '{"runCount":1}') },
      { name: 'token without scope for a task', send: () => send('POST', '/api/v1/tasks/echo/trigger', { ...bearer(readOther), ...json }, '{"payload":1}') },
      // the server itself
      {
        name: 'foreign Host',
        send: () => send('GET', `/api/v3/runs/${runId}`, { ...secret(), host: `evil.example:${port}` }),
        masks: [[String(port), '<port>']],
      },
      { name: 'malformed percent-encoding', send: () => send('GET', '/api/v3/runs/%E0%A4%A', secret()) },
      { name: 'unknown route', send: () => send('GET', '/api/v9/nothing', secret()) },
      { name: 'wrong method', send: () => send('DELETE', `/api/v3/runs/${runId}`, secret()), masks: [run] },
      { name: 'request target no URL accepts', send: () => raw(`GET http://%zz/ HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: close\r\n\r\n`) },
      {
        name: 'headers too large',
        send: () => raw(`GET /api/v3/runs/x HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${'x'.repeat(20_000)}\r\n\r\n`),
      },
      { name: 'not HTTP', send: () => raw('NOT HTTP AT ALL\r\n\r\n') },
      // bodies
      {
        name: 'invalid JSON',
        send: () => send('POST', '/api/v1/tasks/echo/trigger', { ...secret(), ...json }, notJson),
        masks: [[jsonParseError(notJson), '<JSON.parse>']],
      },
      {
        name: 'JSON too deep',
        send: () => send('POST', '/api/v1/tasks/echo/trigger', { ...secret(), ...json }, `{"payload":${'['.repeat(200)}${']'.repeat(200)}}`),
      },
      {
        name: 'declared body too large',
        send: () => send('POST', `/api/v1/runs/${runId}/tags`, { ...secret(), ...json }, `{"tags":["${'x'.repeat(70_000)}"]}`),
        masks: [run],
      },
      {
        name: 'streamed body too large',
        send: () => send('POST', `/api/v1/runs/${runId}/tags`, { ...secret(), ...json }, `{"tags":["${'x'.repeat(70_000)}"]}`, true),
        masks: [run],
      },
      {
        name: 'invalid trigger body',
        send: () =>
          send(
            'POST',
            '/api/v1/tasks/echo/trigger',
            { ...secret(), ...json },
            JSON.stringify({ payload: 1, options: { tags: 'x'.repeat(200), maxAttempts: 0 } }),
          ),
      },
      { name: 'bad task id', send: () => send('POST', `/api/v1/tasks/${'x'.repeat(300)}/trigger`, { ...secret(), ...json }, '{}') },
      { name: 'empty batch', send: () => send('POST', '/api/v1/tasks/batch', { ...secret(), ...json }, '{"items":[]}') },
      {
        name: 'bad batch item',
        send: () => send('POST', '/api/v1/tasks/batch', { ...secret(), ...json }, '{"items":[{"task":"echo"},{"task":"echo","options":{"tags":5}}]}'),
      },
      {
        name: 'batch item payload too large',
        send: () =>
          send(
            'POST',
            '/api/v1/tasks/batch',
            { ...secret(), ...json },
            JSON.stringify({ items: [{ task: 'echo' }, { task: 'echo', payload: 'x'.repeat(3 * 1024 * 1024 + 10) }] }),
          ),
      },
      {
        name: 'payload too large',
        send: () => send('POST', '/api/v1/tasks/echo/trigger', { ...secret(), ...json }, JSON.stringify({ payload: 'x'.repeat(3 * 1024 * 1024 + 10) })),
      },
      {
        name: 'trigger metadata too large',
        send: () =>
          send(
            'POST',
            '/api/v1/tasks/echo/trigger',
            { ...secret(), ...json },
            JSON.stringify({ payload: 1, options: { metadata: { big: 'x'.repeat(300 * 1024) } } }),
          ),
      },
      {
        name: '__proto__ in a payload',
        send: () => send('POST', '/api/v1/tasks/echo/trigger', { ...secret(), ...json }, '{"payload":{"a":[1,{"b":{"__proto__":{"x":1}}}]}}'),
      },
      {
        name: 'offloaded payload',
        send: () =>
          send('POST', '/api/v1/tasks/echo/trigger', { ...secret(), ...json }, JSON.stringify({ payload: 'p', options: { payloadType: 'application/store' } })),
      },
      {
        name: 'payload not its payloadType',
        send: () =>
          send(
            'POST',
            '/api/v1/tasks/echo/trigger',
            { ...secret(), ...json },
            JSON.stringify({ payload: badPayload, options: { payloadType: 'application/json' } }),
          ),
        masks: [[jsonParseError(badPayload), '<JSON.parse>']],
      },
      // runs
      { name: 'unknown run', send: () => send('GET', '/api/v3/runs/run_nope', secret()) },
      { name: 'cancel an unknown run', send: () => send('POST', '/api/v2/runs/run_nope/cancel', secret()) },
      { name: 'bad list query', send: () => send('GET', '/api/v1/runs?page[size]=0&filter[status]=SLEEPING', secret()) },
      { name: 'too many tags', send: () => send('POST', `/api/v1/runs/${runId}/tags`, { ...secret(), ...json }, '{"tags":["u0","u1","u2","u3","u4"]}') },
      {
        name: 'metadata key __proto__',
        send: () => send('PUT', `/api/v1/runs/${runId}/metadata`, { ...secret(), ...json }, '{"operations":[{"type":"set","key":"__proto__","value":1}]}'),
      },
      {
        name: 'unknown metadata operation',
        send: () => send('PUT', `/api/v1/runs/${runId}/metadata`, { ...secret(), ...json }, '{"operations":[{"type":"explode","key":"a"}]}'),
      },
      {
        name: 'metadata overflow',
        send: () =>
          send(
            'PUT',
            `/api/v1/runs/${runId}/metadata`,
            { ...secret(), ...json },
            JSON.stringify({
              operations: [
                { type: 'increment', key: 'n', value: 1.7e308 },
                { type: 'increment', key: 'n', value: 1.7e308 },
              ],
            }),
          ),
      },
      {
        name: 'metadata too large',
        send: () =>
          send(
            'PUT',
            `/api/v1/runs/${runId}/metadata`,
            { ...secret(), ...json },
            JSON.stringify({
              operations: [
                { type: 'set', key: 'a', value: 'x'.repeat(200 * 1024) },
                { type: 'set', key: 'b', value: 'x'.repeat(100 * 1024) },
              ],
            }),
          ),
      },
      {
        name: 'token expiration not a duration',
        send: () => send('POST', '/api/v1/auth/jwt', { ...secret(), ...json }, '{"scopes":["read:all"],"expirationTime":"soon"}'),
      },
      {
        name: 'token expiration in the past',
        send: () => send('POST', '/api/v1/auth/jwt', { ...secret(), ...json }, '{"scopes":["read:all"],"expirationTime":1}'),
      },
      // realtime
      { name: 'bad Last-Event-ID', send: () => send('GET', `/realtime/v1/runs/${runId}`, { ...secret(), 'last-event-id': 'abc' }) },
      { name: 'bad createdAt window', send: () => send('GET', '/realtime/v1/runs?createdAt=soon', secret()) },
      { name: 'createdAt window too large', send: () => send('GET', '/realtime/v1/runs?createdAt=99999999999999w', secret()) },
      { name: 'bad status filter', send: () => send('GET', '/realtime/v1/runs?status=SLEEPING', secret()) },
      {
        name: 'too many tags in a feed',
        send: () => send('GET', `/realtime/v1/runs?tags=${Array.from({ length: 11 }, (_, i) => `t${i}`).join(',')}`, secret()),
      },
      { name: 'bad stream key', send: () => send('GET', `/realtime/v1/streams/${runId}/%01`, secret()) },
      { name: 'stream of an unknown run', send: () => send('GET', '/realtime/v1/streams/run_nope/tokens', secret()) },
      {
        name: 'bad Timeout-Seconds',
        send: () => send('GET', `/realtime/v1/streams/${runId}/tokens`, { ...secret(), 'trigger-version': '4.8.3', 'timeout-seconds': '0' }),
      },
      { name: 'Electric feed with a bad createdAt', send: () => send('GET', '/realtime/v1/runs?tags=t0&offset=-1&createdAt=soon', secret()) },
      {
        name: 'append JSON that is not',
        send: () => send('POST', `/realtime/v1/streams/${runId}/self/answer/append`, { ...secret(), ...json }, notJson),
        masks: [[jsonParseError(notJson), '<JSON.parse>']],
      },
      {
        name: 'append to a finished run',
        send: () => send('POST', `/realtime/v1/streams/${runId}/self/answer/append`, { ...secret(), ...json }, '"late"'),
        masks: [run],
      },
      // Trigger.dev's two-phase batches
      { name: 'items of an unknown batch', send: () => send('POST', '/api/v3/batches/batch_nope/items', secret(), '') },
      { name: 'bad two-phase batch', send: () => send('POST', '/api/v3/batches', { ...secret(), ...json }, '{"runCount":0}') },
      {
        name: 'batch item line not JSON',
        send: async () => {
          const { id } = JSON.parse((await send('POST', '/api/v3/batches', { ...secret(), ...json }, '{"runCount":1}')).body) as { id: string };
          return send('POST', `/api/v3/batches/${id}/items`, secret(), `${badLine}\n`);
        },
        masks: [[jsonParseError(badLine), '<JSON.parse>']],
      },
      {
        name: 'batch item past runCount',
        send: async () => {
          const { id } = JSON.parse((await send('POST', '/api/v3/batches', { ...secret(), ...json }, '{"runCount":1}')).body) as { id: string };
          return send('POST', `/api/v3/batches/${id}/items`, secret(), '{"index":3,"task":"echo"}\n');
        },
      },
    ];
  }

  it('answers every bad request with the recorded status and body', async () => {
    const seen: Recorded[] = [];
    for (const c of await cases()) {
      const a = await c.send();
      let body = a.body;
      for (const [value, placeholder] of c.masks ?? []) body = body.split(value).join(placeholder);
      assert.ok(ErrorBody.safeParse(JSON.parse(a.body)).success, `${c.name}: not an error body: ${a.body.slice(0, 200)}`);
      seen.push({ name: c.name, status: a.status, type: a.type, body });
    }
    compare('requests', seen);
  });
});

describe('engine: error bodies of what no request provokes stay byte-identical', () => {
  it('answers each thrown value with the recorded status and body, and logs the unexpected ones', async () => {
    const thrown: [string, unknown][] = [
      ['storage failure', new StorageFailure(new Error('disk I/O error'))],
      ['a bug', new TypeError('x is not a function')],
      ['a thrown string', 'not an Error'],
      ['store: run not found', runNotFound('run_gone')],
      ['store: run exists', new StoreRefusal('run_exists', 'run run_dup already exists')],
      ['store: batch exists', new StoreRefusal('batch_exists', 'batch batch_dup already exists')],
      ['store: invalid text', new StoreRefusal('invalid_text', 'run run_nul: ids, tags and keys may not contain U+0000')],
      ['store: chunk too large', new StoreRefusal('chunk_too_large', 'chunk: 2000000 bytes is over the 1048576-byte limit')],
    ];
    const router = new Router();
    router.add('GET', '/throw/:n', async (ctx) => {
      throw thrown[Number(ctx.params.n)]![1];
    });
    const log: string[] = [];
    const { server, port } = await startHttpServer({ host: '127.0.0.1', port: 0, router, log: (l) => log.push(l) });
    try {
      const seen: Recorded[] = [];
      for (const [i, [name]] of thrown.entries()) {
        const a = await get(port, `/throw/${i}`);
        assert.ok(ErrorBody.safeParse(JSON.parse(a.body)).success, `${name}: not an error body: ${a.body.slice(0, 200)}`);
        seen.push({ name, ...a });
      }
      compare('thrown', seen);
      assert.equal(log.filter((l) => l.startsWith('internal error: ')).length, 2, log.join('\n'));
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
