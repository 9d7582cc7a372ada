import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startEngine } from '../../../src/engine';
import { EngineClient } from '../../../src/client';
import { ErrorBody, JWT_AUDIENCE, JWT_ISSUER } from '../../../src/protocol';
import { makeWorkspace, followRun, waitFor } from '../../support/engine';
import { TASKS } from './fixtures';

const KEY = 'rl_dev_tokentestkey0123456789abc';
const ROTATED = 'rl_dev_rotatedkey0123456789abcde';

async function sign(secret: string, claims: Record<string, unknown>, opts: { exp?: number; nbf?: number } = {}) {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ pub: true, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? now + 600);
  if (opts.nbf) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(new TextEncoder().encode(secret));
}

interface Route {
  method: string;
  path: string;
  body?: unknown;
  /** Only the secret key may call it. */
  secretOnly: boolean;
}

/**
 * Every route, every kind of bad token: each is refused with 401/403 and an error body. Then the secret key is
 * rotated and everything minted with the old one is refused too.
 */
describe('engine: every route refuses bad tokens', function () {
  this.timeout(90_000);
  let dir: string;
  let url: string;
  let close: () => Promise<void>;
  let runId: string;
  let otherRunId: string;
  let batchId: string;
  let otherBatchId: string;

  before(async () => {
    dir = await makeWorkspace(TASKS);
    const engine = await startEngine({ dir, port: 0, workers: 1, secretKey: KEY, log: () => undefined });
    url = engine.url;
    close = () => engine.close();
    const client = new EngineClient({ baseURL: url, accessToken: KEY });
    await waitFor(async () => ((await client.listTasks()).tasks.length > 0 ? true : undefined), 30_000, 'tasks');
    const a = await client.batchTrigger([{ task: 'echo', payload: { v: 1 }, options: { tags: ['mine'] } }]);
    const b = await client.batchTrigger([{ task: 'echo', payload: { v: 2 }, options: { tags: ['theirs'] } }]);
    [batchId, otherBatchId] = [a.batchId, b.batchId];
    runId = a.runs[0]!.id;
    otherRunId = b.runs[0]!.id;
    await followRun(client, runId);
  });
  after(async () => close?.());

  function routes(): Route[] {
    return [
      { method: 'GET', path: `/api/v3/runs/${runId}`, secretOnly: false },
      { method: 'GET', path: `/api/v1/runs/${runId}/metadata`, secretOnly: false },
      { method: 'GET', path: `/realtime/v1/runs/${runId}`, secretOnly: false },
      { method: 'GET', path: `/realtime/v1/streams/${runId}/tokens`, secretOnly: false },
      { method: 'GET', path: `/realtime/v1/batches/${batchId}`, secretOnly: false },
      { method: 'GET', path: '/realtime/v1/runs?tags=mine', secretOnly: false },
      // The workspace feed takes the secret key or a token with read:runs (read:all includes it).
      { method: 'GET', path: '/realtime/v1/runs', secretOnly: false },
      { method: 'GET', path: '/api/v1/runs', secretOnly: true },
      { method: 'GET', path: '/api/v1/tasks', secretOnly: true },
      { method: 'POST', path: '/api/v1/tasks/echo/trigger', body: { payload: {} }, secretOnly: true },
      { method: 'POST', path: '/api/v1/tasks/batch', body: { items: [{ task: 'echo' }] }, secretOnly: true },
      { method: 'POST', path: `/api/v2/runs/${runId}/cancel`, body: {}, secretOnly: true },
      { method: 'POST', path: `/api/v1/runs/${runId}/replay`, body: {}, secretOnly: true },
      { method: 'POST', path: `/api/v1/runs/${runId}/tags`, body: { tags: ['x'] }, secretOnly: true },
      { method: 'PUT', path: `/api/v1/runs/${runId}/metadata`, body: { operations: [] }, secretOnly: true },
      { method: 'POST', path: `/realtime/v1/streams/${runId}/self/k/append`, body: 'x', secretOnly: true },
      { method: 'POST', path: '/api/v1/auth/jwt', body: { scopes: ['read:all'] }, secretOnly: true },
      { method: 'GET', path: '/api/v1/auth/jwt/claims', secretOnly: true },
    ];
  }

  async function call(r: Route, token: string | undefined): Promise<{ status: number; body: string }> {
    const res = await fetch(url + r.path, {
      method: r.method,
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(r.body !== undefined ? { 'content-type': typeof r.body === 'string' ? 'text/plain' : 'application/json' } : {}),
      },
      body: r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
      signal: AbortSignal.timeout(5000),
    });
    if (res.headers.get('content-type')?.includes('event-stream')) {
      await res.body?.cancel();
      return { status: res.status, body: '' };
    }
    return { status: res.status, body: await res.text() };
  }

  async function badTokens(secret: string): Promise<[string, string | undefined, (r: Route) => number][]> {
    const now = Math.floor(Date.now() / 1000);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ pub: true, scopes: ['read:all'], exp: now + 600, iss: JWT_ISSUER, aud: JWT_AUDIENCE }),
    ).toString('base64url')}.`;
    // Tokens that are valid but name other resources: 403 everywhere (the secret-only routes refuse any PAT).
    const wrong = async (scopes: string[]) => sign(secret, { scopes });
    return [
      ['no token', undefined, () => 401],
      ['garbage', 'garbage', () => 401],
      ['a secret key of another workspace', 'rl_dev_notthisworkspace0123456', () => 401],
      ['signed with another key', await sign('rl_dev_somebodyelse', { scopes: ['read:all'] }), () => 401],
      ['alg: none', none, () => 401],
      ['expired', await sign(secret, { scopes: ['read:all'] }, { exp: now - 5 }), () => 401],
      ['not yet valid', await sign(secret, { scopes: ['read:all'] }, { nbf: now + 3600 }), () => 401],
      ['for another run', await wrong([`read:runs:${otherRunId}`]), () => 403],
      ['for another tag', await wrong(['read:tags:theirs']), () => 403],
      ['for another batch', await wrong([`read:batch:${otherBatchId}`]), () => 403],
      ['public read-all token on a secret-only route', await wrong(['read:all']), (r) => (r.secretOnly ? 403 : 200)],
    ];
  }

  it('refuses each bad token on each route with 401/403 and { error: { code, message } }', async () => {
    let refused = 0;
    let cases = 0;
    for (const [name, token, expected] of await badTokens(KEY)) {
      for (const r of routes()) {
        const want = expected(r);
        const { status, body } = await call(r, token);
        cases++;
        assert.equal(status, want, `${name}: ${r.method} ${r.path} → ${status} ${body.slice(0, 200)}`);
        if (want >= 400) {
          const err = ErrorBody.parse(JSON.parse(body));
          assert.ok(err.error.code && err.error.message, `${name}: ${r.path}`);
          refused++;
        }
      }
    }
    console.log(`tokens: ${cases} cases over ${routes().length} routes, ${refused} refused with 401/403`);
    assert.ok(refused >= 180);
  });

  it('refuses the old secret key and tokens signed with it after the key is rotated', async () => {
    const oldPat = await sign(KEY, { scopes: ['read:all'] });
    const run: Route = { method: 'GET', path: `/api/v3/runs/${runId}`, secretOnly: false };
    assert.equal((await call(run, oldPat)).status, 200);
    await close();
    const engine = await startEngine({ dir, port: 0, workers: 1, secretKey: ROTATED, log: () => undefined });
    url = engine.url;
    close = () => engine.close();
    for (const token of [KEY, oldPat]) {
      const { status, body } = await call(run, token);
      assert.equal(status, 401, body);
      assert.ok(ErrorBody.parse(JSON.parse(body)).error.message);
    }
    assert.equal((await call(run, ROTATED)).status, 200);
    assert.equal((await call(run, await sign(ROTATED, { scopes: [`read:runs:${runId}`] }))).status, 200);
  });
});
