// Wait tokens (Trigger.dev's waitpoint tokens): a task creates one and waits; the backend SDK, the keyless callback
// URL, a token-scoped Public Access Token or the timeout ends the wait. A real engine with 2 workers.
import assert from 'node:assert/strict';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../support/engine';
import { configure, wait } from '../../../src/sdk';
import { EngineApiError } from '../../../src/client';

const TASKS: Record<string, string> = {
  'trigger/tokens.ts': `
import { task, wait, metadata, WaitpointTimeoutError } from "@trigger.dev/sdk";

export const approval = task({
  id: "approval",
  onWait: ({ wait }) => { metadata.append("hooks", "wait:" + wait.type + ":" + (wait as any).token); },
  onResume: ({ wait }) => { metadata.append("hooks", "resume:" + wait.type); },
  run: async (p: { timeout?: string; tokenId?: string }) => {
    const token = p.tokenId ? { id: p.tokenId } : await wait.createToken({ timeout: p.timeout ?? "1h", tags: ["approval"] });
    metadata.set("token", token);
    const r = await wait.forToken<{ approved: boolean }>(token.id);
    if (r.ok) return { ok: true, output: r.output };
    let unwrapped: unknown;
    try { await wait.forToken(token.id).unwrap(); } catch (e: any) { unwrapped = e?.name; }
    return { ok: false, name: r.error.name, isTimeoutError: r.error instanceof WaitpointTimeoutError, message: r.error.message, unwrapped };
  },
});
`,
};

type TokenMeta = { id: string; url: string; publicAccessToken: string; isCached: boolean };

describe('engine: wait tokens', function () {
  this.timeout(120_000);
  let t: TestEngine;

  before(async () => {
    t = await startTestEngine(TASKS);
    configure({ baseURL: t.url, accessToken: t.key });
  });
  after(async () => t?.close());

  /** Triggers `approval` and waits until it is WAITING on its token; the token as the task reported it. */
  async function waitingApproval(payload: object = {}): Promise<{ runId: string; token: TokenMeta }> {
    const { id } = await t.client.trigger('approval', payload as never);
    const token = await waitFor(
      async () => {
        const r = await t.client.retrieveRun(id);
        return r.status === 'WAITING' ? (r.metadata?.token as TokenMeta | undefined) : undefined;
      },
      30_000,
      'the run to wait on its token',
    );
    return { runId: id, token };
  }

  it('resumes with the output when the backend SDK completes the token; a second completion is refused, the first wins', async () => {
    const { runId, token } = await waitingApproval();
    assert.match(token.id, /^waitpoint_[a-z0-9]{21}$/);
    assert.deepEqual((await t.client.retrieveRun(runId)).waitingFor, { kind: 'token', tokenId: token.id });
    assert.equal(token.isCached, false);
    assert.equal((await wait.retrieveToken(token.id)).status, 'WAITING');
    assert.deepEqual(await wait.completeToken(token.id, { approved: true }), { success: true });
    const second = await wait.completeToken(token.id, { approved: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(second instanceof EngineApiError, String(second));
    assert.equal(second.status, 409);
    assert.equal(second.code, 'waitpoint_completed');
    assert.match(second.message, /already completed at .*first completion wins/);
    const last = (await followRun(t.client, runId, 30_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
    assert.deepEqual(last.output, { ok: true, output: { approved: true } });
    assert.deepEqual(last.metadata?.hooks, [`wait:token:${token.id}`, 'resume:token']);
    const got = await wait.retrieveToken<{ approved: boolean }>(token.id);
    assert.equal(got.status, 'COMPLETED');
    assert.deepEqual(got.output, { approved: true });
    assert.ok(got.completedAt instanceof Date);
  });

  it('resumes when the callback URL is POSTed to without any key; the body is the output', async () => {
    const { runId, token } = await waitingApproval();
    assert.match(token.url, new RegExp(`^${t.url}/api/v1/waitpoints/tokens/${token.id}/callback/[A-Za-z0-9_-]{32}$`));
    // A wrong secret is a 404, as for a token that does not exist.
    const wrong = await fetch(token.url.replace(/callback\/.*/, 'callback/nope'), { method: 'POST', body: '{}' });
    assert.equal(wrong.status, 404);
    const res = await fetch(token.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ approved: 'by webhook' }) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { success: true });
    const again = await fetch(token.url, { method: 'POST', body: '{"approved":false}' });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'waitpoint_completed');
    const last = (await followRun(t.client, runId, 30_000)).at(-1)!;
    assert.deepEqual(last.output, { ok: true, output: { approved: 'by webhook' } });
  });

  it("completes with the token's own Public Access Token, which may not complete another token", async () => {
    const other = await wait.createToken();
    const { runId, token } = await waitingApproval();
    const post = (id: string) =>
      fetch(`${t.url}/api/v1/waitpoints/tokens/${id}/complete`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.publicAccessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ data: { approved: true } }),
      });
    assert.equal((await post(other.id)).status, 403);
    assert.equal((await post(token.id)).status, 200);
    const last = (await followRun(t.client, runId, 30_000)).at(-1)!;
    assert.deepEqual(last.output, { ok: true, output: { approved: true } });
  });

  it('a timeout resumes the run with ok: false and a WaitpointTimeoutError; completing it afterwards is refused', async () => {
    const started = Date.now();
    const { runId, token } = await waitingApproval({ timeout: '2s' });
    const last = (await followRun(t.client, runId, 30_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
    const out = last.output as { ok: boolean; name: string; isTimeoutError: boolean; message: string; unwrapped: string };
    assert.deepEqual([out.ok, out.name, out.isTimeoutError, out.unwrapped], [false, 'WaitpointTimeoutError', true, 'WaitpointTimeoutError']);
    assert.match(out.message, /^Waitpoint timed out at \d{4}-/);
    assert.ok(Date.now() - started >= 2000);
    const got = await wait.retrieveToken(token.id);
    assert.equal(got.status, 'TIMED_OUT');
    assert.match(got.error?.message ?? '', /timed out/);
    const late = await wait.completeToken(token.id, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(late instanceof EngineApiError && late.status === 409 && /timed out/.test(late.message), String(late));
  });

  it('returns at once for a token completed before the wait starts', async () => {
    const token = await wait.createToken({ timeout: '1h' });
    await wait.completeToken(token.id, { approved: true });
    const { id } = await t.client.trigger('approval', { tokenId: token.id });
    const seen = await followRun(t.client, id, 30_000);
    assert.equal(seen.at(-1)?.status, 'COMPLETED', JSON.stringify(seen.at(-1)?.error));
    assert.deepEqual(seen.at(-1)?.output, { ok: true, output: { approved: true } });
  });

  it('creates idempotently: the same key gives the same token with isCached; list and retrieve find it', async () => {
    const key = `order-${Date.now()}`;
    const a = await wait.createToken({ idempotencyKey: key, idempotencyKeyTTL: '1h', tags: ['order', 'user:1'], timeout: new Date(Date.now() + 3_600_000) });
    const b = await wait.createToken({ idempotencyKey: key });
    assert.equal(a.isCached, false);
    assert.equal(b.isCached, true);
    assert.equal(b.id, a.id);
    assert.equal(b.url, a.url);
    const page = await wait.listTokens({ idempotencyKey: key });
    assert.deepEqual(
      page.data.map((x) => x.id),
      [a.id],
    );
    assert.deepEqual(page.data[0]!.tags, ['order', 'user:1']);
    assert.ok(page.data[0]!.idempotencyKeyExpiresAt instanceof Date);
    const tagged = await wait.listTokens({ tags: ['order', 'user:1'], status: 'WAITING' });
    assert.ok(tagged.data.some((x) => x.id === a.id));
    const none = await wait.listTokens({ tags: ['order'], status: 'COMPLETED' });
    assert.ok(!none.data.some((x) => x.id === a.id));
    const got = await wait.retrieveToken(a);
    assert.equal(got.status, 'WAITING');
    assert.equal(got.idempotencyKey, key);
    const missing = await wait.retrieveToken('waitpoint_none').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(missing instanceof EngineApiError && missing.status === 404 && missing.code === 'waitpoint_not_found');
  });
});
