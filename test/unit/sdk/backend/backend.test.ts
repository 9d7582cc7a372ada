import assert from 'node:assert/strict';
import { decodeJwt, jwtVerify } from 'jose';
import { auth, batch, configure, readStream, runs, tasks } from '../../../../src/sdk/backend';
import * as backend from '../../../../src/sdk/backend';
import { JWT_AUDIENCE, JWT_ISSUER, PatClaims } from '../../../../src/protocol/auth';
import { encodeChunk } from '../../../../src/protocol/chunk';
import { makeRun, runEvent } from '../../client/fixtures';
import { sseHead, startServer, within, type TestServer } from '../../client/helpers';

const SECRET = 'rl_dev_' + 'k'.repeat(43);
const secretBytes = new TextEncoder().encode(SECRET);

describe('sdk/backend', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    configure({});
  });

  it('exports exactly configure, tasks, batch, runs, auth, readStream', () => {
    assert.deepEqual(Object.keys(backend).sort(), ['auth', 'batch', 'configure', 'readStream', 'runs', 'tasks']);
  });

  describe('auth.createPublicToken', () => {
    beforeEach(() => configure({ baseURL: 'http://127.0.0.1:9', accessToken: SECRET }));

    it('signs an HS256 JWT with the secret key that jose verifies, with the flattened scopes and the protocol claims', async () => {
      const token = await auth.createPublicToken({
        scopes: { read: { runs: ['run_1', 'run_2'], tags: 'user:123', batch: 'batch_1', tasks: true } },
      });
      const { payload, protectedHeader } = await jwtVerify(token, secretBytes, { issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
      assert.equal(protectedHeader.alg, 'HS256');
      assert.deepEqual(payload.scopes, ['read:runs:run_1', 'read:runs:run_2', 'read:tags:user:123', 'read:batch:batch_1', 'read:tasks']);
      assert.equal(payload.pub, true);
      assert.equal(typeof payload.sub, 'string');
      assert.equal(payload.exp! - payload.iat!, 15 * 60);
      assert.ok(PatClaims.safeParse(payload).success);
    });

    it('honours expirationTime as a duration, a Unix time and a Date', async () => {
      const now = Math.floor(Date.now() / 1000);
      const a = decodeJwt(await auth.createPublicToken({ scopes: { read: { runs: true } }, expirationTime: '1h' }));
      assert.equal(a.exp! - a.iat!, 3600);
      const b = decodeJwt(await auth.createPublicToken({ expirationTime: now + 120 }));
      assert.equal(b.exp, now + 120);
      const c = decodeJwt(await auth.createPublicToken({ expirationTime: new Date((now + 60) * 1000) }));
      assert.equal(c.exp, now + 60);
      assert.deepEqual(b.scopes, []);
    });

    it('does not verify with another secret', async () => {
      const token = await auth.createPublicToken({ scopes: { read: { runs: true } } });
      await assert.rejects(
        jwtVerify(token, new TextEncoder().encode('rl_dev_other-key-0000000000')),
        (e: unknown) => (e as { code?: string }).code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      );
    });

    it('createTriggerPublicToken scopes trigger:tasks and is one-time use by default', async () => {
      const one = decodeJwt(await auth.createTriggerPublicToken(['a', 'b']));
      assert.deepEqual(one.scopes, ['trigger:tasks:a', 'trigger:tasks:b']);
      assert.equal(one.otu, true);
      const multi = decodeJwt(await auth.createTriggerPublicToken('a', { multipleUse: true }));
      assert.equal(multi.otu, false);
    });

    it('refuses to sign when configured with a Public Access Token', async () => {
      configure({ baseURL: 'http://127.0.0.1:9', accessToken: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' });
      await assert.rejects(auth.createPublicToken({}), /secret key/);
    });

    it('withAuth scopes a configuration to one async call', async () => {
      const token = await auth.withAuth({ accessToken: 'rl_dev_scoped-key-000000000' }, async () => {
        await new Promise((r) => setTimeout(r, 5));
        return auth.createPublicToken({});
      });
      await jwtVerify(token, new TextEncoder().encode('rl_dev_scoped-key-000000000'));
      // outside, the global one applies again
      await jwtVerify(await auth.createPublicToken({}), secretBytes);
    });
  });

  describe('configuration', () => {
    it('reads RUNLIGHT_API_URL / RUNLIGHT_SECRET_KEY, and the TRIGGER_* names', async () => {
      server = await startServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(makeRun()));
      });
      const saved = { ...process.env };
      try {
        configure({});
        delete process.env.RUNLIGHT_API_URL;
        delete process.env.RUNLIGHT_SECRET_KEY;
        process.env.TRIGGER_API_URL = server.url;
        process.env.TRIGGER_SECRET_KEY = SECRET;
        await runs.retrieve('run_1');
        assert.equal(server.requests[0]!.headers.authorization, `Bearer ${SECRET}`);
        process.env.RUNLIGHT_API_URL = server.url;
        process.env.RUNLIGHT_SECRET_KEY = 'rl_dev_runlight-wins-0000';
        await runs.retrieve('run_1');
        assert.equal(server.requests[1]!.headers.authorization, 'Bearer rl_dev_runlight-wins-0000');
      } finally {
        for (const k of ['RUNLIGHT_API_URL', 'RUNLIGHT_SECRET_KEY', 'TRIGGER_API_URL', 'TRIGGER_SECRET_KEY']) {
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
        }
      }
    });
  });

  describe('tasks / batch / runs against a test server', () => {
    it('tasks.trigger returns the engine token; without one it signs read:runs:<id> itself', async () => {
      server = await startServer((req, res, n) => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (n === 1) headers['x-trigger-jwt'] = 'from.engine.jwt';
        res.writeHead(200, headers);
        res.end(JSON.stringify({ id: `run_${n}` }));
        void req;
      });
      configure({ baseURL: server.url, accessToken: SECRET });
      const h1 = await tasks.trigger('hello', { at: new Date('2025-01-01T00:00:00Z') }, { tags: ['t'], delay: new Date('2030-01-01T00:00:00Z') });
      assert.deepEqual(h1, { id: 'run_1', taskIdentifier: 'hello', publicAccessToken: 'from.engine.jwt' });
      // A Date keeps its type (superjson, as Trigger.dev's SDK sends it): the JSON part, and the meta naming it.
      assert.deepEqual(JSON.parse(server.requests[0]!.body), {
        payload: { at: '2025-01-01T00:00:00.000Z' },
        payloadMeta: { values: { at: ['Date'] }, v: 1 },
        options: { tags: ['t'], delay: '2030-01-01T00:00:00.000Z' },
      });
      const h2 = await tasks.trigger('hello', undefined);
      const { payload } = await jwtVerify(h2.publicAccessToken, secretBytes);
      assert.deepEqual(payload.scopes, ['read:runs:run_2']);
      assert.equal(payload.exp! - payload.iat!, 3600);
    });

    it('tasks.batchTrigger and batch.trigger send items and return batchId, runs and a batch token', async () => {
      server = await startServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'x-trigger-jwt': 'batch.jwt' });
        res.end(
          JSON.stringify({
            batchId: 'batch_1',
            runs: [
              { id: 'run_a', taskIdentifier: 'x' },
              { id: 'run_b', taskIdentifier: 'y' },
            ],
          }),
        );
      });
      configure({ baseURL: server.url, accessToken: SECRET });
      const b1 = await tasks.batchTrigger('x', [{ payload: 1 }, { payload: 2, options: { tags: 'user:123' } }]);
      assert.deepEqual(b1, {
        batchId: 'batch_1',
        runCount: 2,
        runs: [
          { id: 'run_a', taskIdentifier: 'x' },
          { id: 'run_b', taskIdentifier: 'y' },
        ],
        publicAccessToken: 'batch.jwt',
      });
      assert.deepEqual(JSON.parse(server.requests[0]!.body), {
        items: [
          { task: 'x', payload: 1 },
          { task: 'x', payload: 2, options: { tags: 'user:123' } },
        ],
      });
      await batch.trigger([
        { id: 'x', payload: 1 },
        { id: 'y', payload: 'two' },
      ]);
      assert.deepEqual(
        JSON.parse(server.requests[1]!.body).items.map((i: { task: string }) => i.task),
        ['x', 'y'],
      );
    });

    it('runs.retrieve gives Date timestamps; runs.list walks every page with for await', async () => {
      server = await startServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const u = new URL(req.url ?? '', 'http://x');
        if (u.pathname.startsWith('/api/v3/runs/')) return res.end(JSON.stringify(makeRun({ status: 'COMPLETED', finishedAt: '2025-01-02T03:04:09.000Z' })));
        const after = u.searchParams.get('page[after]');
        if (!after) return res.end(JSON.stringify({ data: [makeRun({ id: 'run_3' }), makeRun({ id: 'run_2' })], pagination: { next: 'run_2' } }));
        return res.end(JSON.stringify({ data: [makeRun({ id: 'run_1' })], pagination: {} }));
      });
      configure({ baseURL: server.url, accessToken: SECRET });
      const run = await runs.retrieve('run_1');
      assert.ok(run.createdAt instanceof Date);
      assert.ok(run.finishedAt instanceof Date);
      assert.equal(run.finishedAt.toISOString(), '2025-01-02T03:04:09.000Z');
      assert.equal(run.startedAt, undefined);
      const page = await runs.list({ status: 'QUEUED', limit: 2 });
      assert.equal(page.data.length, 2);
      assert.ok(page.hasNextPage());
      const all: string[] = [];
      for await (const r of page) all.push(r.id);
      assert.deepEqual(all, ['run_3', 'run_2', 'run_1']);
    });

    it('runs.subscribeToRun(...).withStreams() interleaves run updates and stream chunks, opening streams as they appear', async () => {
      server = await startServer(async (req, res) => {
        sseHead(res);
        const path = new URL(req.url ?? '', 'http://x').pathname;
        if (path === '/realtime/v1/runs/run_1') {
          res.write(runEvent(1, makeRun({ status: 'EXECUTING' })));
          await new Promise((r) => setTimeout(r, 20));
          res.write(runEvent(2, makeRun({ status: 'EXECUTING', realtimeStreams: ['answer'] })));
          await new Promise((r) => setTimeout(r, 60));
          res.write(runEvent(3, makeRun({ status: 'COMPLETED', realtimeStreams: ['answer', 'reasoning'], finishedAt: '2025-01-02T03:04:09.000Z' })));
          return; // stays open
        }
        if (path === '/realtime/v1/streams/run_1/answer') {
          for (const [i, c] of ['Hel', 'lo'].entries()) res.write(`id: ${i}\ndata: ${encodeChunk(c)}\n\n`);
          await new Promise((r) => setTimeout(r, 100));
          res.write('event: end\ndata: \n\n');
          return;
        }
        if (path === '/realtime/v1/streams/run_1/reasoning') {
          res.write(`id: 0\ndata: ${encodeChunk({ thought: 1 })}\n\nevent: end\ndata: \n\n`);
          return;
        }
        res.end();
      });
      configure({ baseURL: server.url, accessToken: SECRET });
      const parts: string[] = [];
      let answer = '';
      await within(
        (async () => {
          for await (const part of runs.subscribeToRun('run_1').withStreams<{ answer: string; reasoning: { thought: number } }>()) {
            if (part.type === 'run') parts.push(`run:${part.run.status}`);
            else if (part.type === 'answer') {
              answer += part.chunk;
              assert.ok(part.run.createdAt instanceof Date);
            } else parts.push(`reasoning:${part.chunk.thought}`);
          }
        })(),
        5000,
        'withStreams',
      );
      assert.equal(answer, 'Hello');
      assert.deepEqual(parts, ['run:EXECUTING', 'run:EXECUTING', 'run:COMPLETED', 'reasoning:1']);
      const streamRequests = server.requests.filter((r) => r.url.startsWith('/realtime/v1/streams/'));
      assert.deepEqual(streamRequests.map((r) => r.url).sort(), ['/realtime/v1/streams/run_1/answer', '/realtime/v1/streams/run_1/reasoning']);
    });

    it('subscribeToRunsWithTag sends the tags and stops on unsubscribe()', async () => {
      server = await startServer((_req, res) => {
        sseHead(res);
        res.write(runEvent(1, makeRun({ id: 'run_a', tags: ['user:1', 'x'] })));
        res.write(runEvent(2, makeRun({ id: 'run_b', tags: ['user:1', 'x'], status: 'COMPLETED' })));
      });
      configure({ baseURL: server.url, accessToken: SECRET });
      const sub = runs.subscribeToRunsWithTag(['user:1', 'x']);
      const seen: string[] = [];
      await within(
        (async () => {
          for await (const run of sub) {
            seen.push(run.id);
            if (seen.length === 2) sub.unsubscribe();
          }
        })(),
        3000,
      );
      assert.deepEqual(seen, ['run_a', 'run_b']);
      assert.equal(server.requests[0]!.url, '/realtime/v1/runs?tags=user%3A1,x');
    });

    it('readStream yields decoded chunks from startIndex', async () => {
      server = await startServer((req, res) => {
        sseHead(res);
        const from = Number(req.headers['last-event-id'] ?? -1) + 1;
        for (let i = from; i < 4; i++) res.write(`id: ${i}\ndata: ${encodeChunk({ i })}\n\n`);
        res.write('event: end\ndata: \n\n');
      });
      configure({ baseURL: server.url, accessToken: SECRET });
      const got: unknown[] = [];
      for await (const c of readStream(`run_1`, 'progress', { startIndex: 2 })) got.push(c);
      assert.deepEqual(got, [{ i: 2 }, { i: 3 }]);
    });

    it('readStream ends after timeoutInSeconds without chunks', async () => {
      server = await startServer((_req, res) => {
        sseHead(res);
        res.write(`id: 0\ndata: ${encodeChunk('only')}\n\n`);
      });
      configure({ baseURL: server.url, accessToken: SECRET });
      const got: unknown[] = [];
      const t0 = Date.now();
      await within(
        (async () => {
          for await (const c of readStream('run_1', 'default', { timeoutInSeconds: 0.2 })) got.push(c);
        })(),
        3000,
      );
      assert.deepEqual(got, ['only']);
      assert.ok(Date.now() - t0 >= 150);
    });
  });
});
