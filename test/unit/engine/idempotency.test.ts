// Idempotency keys as Trigger.dev v4 makes them, on a real engine (SQLite, forked workers): idempotencyKeys.create
// with its scopes, string[] keys, raw keys inside a task scoped to the parent run, idempotencyKeyTTL (default 30
// days), on triggers, batch items and wait tokens; through our SDK, the official SDK and raw HTTP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { configure as officialConfigure, idempotencyKeys as officialKeys } from '@trigger.dev/sdk';
import { startEngine, type RunningEngine } from '../../../src/engine';
import { EngineClient } from '../../../src/client';
import { batch, configure, idempotencyKeys, tasks } from '../../../src/sdk';
import type { Run } from '../../../src/protocol';
import { followRun, makeWorkspace, waitFor } from '../../support/engine';

const KEY = 'tr_dev_runlightIdempotency0123456789ab';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const DAY_MS = 86_400_000;

const TASKS: Record<string, string> = {
  'trigger/idem.ts': `
import { task, idempotencyKeys } from "@trigger.dev/sdk";

export const leaf = task({ id: "leaf", run: async (p: { n?: number }) => ({ n: p?.n ?? 0 }) });

/** Triggers leaf twice with each kind of key; returns the child ids and the keys it made. */
export const parent = task({
  id: "parent",
  run: async (_p: unknown, { ctx }) => {
    const raw1 = await leaf.trigger({ n: 1 }, { idempotencyKey: "child" });
    const raw2 = await leaf.trigger({ n: 2 }, { idempotencyKey: "child" });
    const globalKey = await idempotencyKeys.create("shared-child", { scope: "global" });
    const global = await leaf.trigger({ n: 3 }, { idempotencyKey: globalKey });
    const attemptKey = await idempotencyKeys.create(["a", "b"], { scope: "attempt" });
    const runKey = await idempotencyKeys.create("x");
    const waited = await leaf.triggerAndWait({ n: 4 }, { idempotencyKey: ["w", "1"] });
    return { runId: ctx.run.id, raw1: raw1.id, raw2: raw2.id, global: global.id, attemptKey, runKey, waited: waited.id };
  },
});
`,
};

describe('engine: idempotency keys (Trigger.dev v4)', function () {
  this.timeout(120_000);
  let engine: RunningEngine;
  let client: EngineClient;
  let dir: string;

  before(async () => {
    dir = await makeWorkspace(TASKS);
    engine = await startEngine({ dir, port: 0, workers: 2, secretKey: KEY, log: () => undefined });
    client = new EngineClient({ baseURL: engine.url, accessToken: KEY });
    await waitFor(async () => ((await client.listTasks()).tasks.length >= 2 ? true : undefined), 30_000, 'tasks indexed');
  });
  beforeEach(() => {
    configure({ baseURL: engine.url, accessToken: KEY });
    officialConfigure({ baseURL: engine.url, accessToken: KEY });
  });
  after(async () => {
    configure({});
    await engine?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function done(id: string): Promise<Run> {
    const last = (await followRun(client, id, 30_000)).at(-1)!;
    assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
    return last;
  }

  it('idempotencyKeys.create hashes the key (and a string[] key) as the official SDK does; a raw key is hashed too', async () => {
    assert.equal(await idempotencyKeys.create('k1'), sha('k1'));
    assert.equal(await idempotencyKeys.create(['a', 'b'], { scope: 'global' }), sha('a-b'));
    assert.equal(await idempotencyKeys.create('k1'), await officialKeys.create('k1'), 'same key as @trigger.dev/sdk outside a task');
    assert.equal(await idempotencyKeys.create(['a', 'b']), await officialKeys.create(['a', 'b']));
    await assert.rejects(idempotencyKeys.create('k', { scope: 'everywhere' as 'run' }), /scope must be "run", "attempt" or "global"/);
    await assert.rejects(idempotencyKeys.create([]), /idempotencyKeys\.create: key: use a non-empty string/);

    const a = await tasks.trigger('leaf', { n: 1 }, { idempotencyKey: 'same' });
    const b = await tasks.trigger('leaf', { n: 2 }, { idempotencyKey: await idempotencyKeys.create('same') });
    const c = await tasks.trigger('leaf', { n: 3 }, { idempotencyKey: ['same'] });
    assert.equal(b.id, a.id, 'a made key and the raw key find the same run');
    assert.equal(c.id, a.id, 'a one-part string[] key is the same key');
    const run = await client.retrieveRun(a.id);
    assert.equal(run.idempotencyKey, sha('same'), 'the run shows the hashed key, as upstream');
    const official = await (await import('@trigger.dev/sdk')).tasks.trigger('leaf', { n: 4 }, { idempotencyKey: 'same' });
    assert.equal(official.id, a.id, 'the official SDK finds the same run with the same raw key');
    const d = await tasks.trigger('leaf', { n: 5 }, { idempotencyKey: ['same', 'other'] });
    assert.notEqual(d.id, a.id);
  });

  it('triggers racing with one new key create one run', async () => {
    const handles = await Promise.all(Array.from({ length: 12 }, (_, i) => tasks.trigger('leaf', { n: i }, { idempotencyKey: 'racing-key' })));
    assert.equal(new Set(handles.map((h) => h.id)).size, 1, JSON.stringify(handles.map((h) => h.id)));
    const page = await client.listRuns({ taskIdentifier: ['leaf'], pageSize: 1000 });
    assert.equal(page.data.filter((r) => r.idempotencyKey === sha('racing-key')).length, 1);
  });

  it('a key finds its run until its idempotencyKeyTTL passes (default 30 days), then makes a new run', async () => {
    const first = await tasks.trigger('leaf', {}, { idempotencyKey: 'ttl-key', idempotencyKeyTTL: '1s' });
    assert.equal((await tasks.trigger('leaf', {}, { idempotencyKey: 'ttl-key', idempotencyKeyTTL: '1s' })).id, first.id);
    await new Promise((r) => setTimeout(r, 1100));
    const later = await tasks.trigger('leaf', {}, { idempotencyKey: 'ttl-key' });
    assert.notEqual(later.id, first.id, 'past the TTL the key makes a new run');
    assert.equal((await tasks.trigger('leaf', {}, { idempotencyKey: 'ttl-key' })).id, later.id, 'and finds that one');
    defaultTtlRun = later.id;
  });
  let defaultTtlRun = '';

  it('inside a task a raw key is scoped to the run: the same child within a run, another child in another run; "global" keys are shared', async () => {
    const [p1, p2] = await Promise.all([tasks.trigger('parent', {}), tasks.trigger('parent', {})]);
    const o1 = (await done(p1.id)).output as Record<string, string>;
    const o2 = (await done(p2.id)).output as Record<string, string>;
    assert.equal(o1.raw1, o1.raw2, 'the same key twice in one run: one child');
    assert.notEqual(o1.raw1, o2.raw1, 'another run: its own child');
    assert.equal(o1.global, o2.global, 'a global key: one child for both runs');
    assert.equal(o1.attemptKey, sha(`a-b-${o1.runId}-1`), 'attempt scope: the run id and attempt number');
    assert.equal(o1.runKey, sha(`x-${o1.runId}`), 'run scope (the default): the run id');
    assert.equal((await client.retrieveRun(o1.raw1!)).idempotencyKey, sha(`child-${o1.runId}`));
    assert.equal((await client.retrieveRun(o1.waited!)).idempotencyKey, sha(`w-1-${o1.runId}`), 'triggerAndWait takes string[] keys too');
  });

  it('batch items with keys: an item whose key has a run gets that run, repeated keys in one batch share one run', async () => {
    const existing = await tasks.trigger('leaf', { n: 0 }, { idempotencyKey: 'batch-k0' });
    const res = await batch.trigger([
      { id: 'leaf', payload: { n: 1 }, options: { idempotencyKey: 'batch-k0' } },
      { id: 'leaf', payload: { n: 2 }, options: { idempotencyKey: 'batch-k1' } },
      { id: 'leaf', payload: { n: 3 }, options: { idempotencyKey: ['batch-k1'] } },
      { id: 'leaf', payload: { n: 4 } },
    ]);
    const ids = res.runs.map((r) => r.id);
    assert.equal(ids[0], existing.id);
    assert.equal(ids[1], ids[2]);
    assert.equal(new Set(ids).size, 3);
    // The official SDK's one-request batch route reports which items were cached.
    const raw = await fetch(`${engine.url}/api/v2/tasks/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          { task: 'leaf', payload: {}, options: { idempotencyKey: sha('batch-k1') } },
          { task: 'leaf', payload: {} },
        ],
      }),
    });
    const body = (await raw.json()) as { runs: { id: string; isCached: boolean }[] };
    assert.deepEqual(
      body.runs.map((r) => [r.id === ids[1], r.isCached]),
      [
        [true, true],
        [false, false],
      ],
    );
  });

  it('wait tokens keep their key 30 days unless idempotencyKeyTTL says otherwise', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`${engine.url}/api/v1/waitpoints/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status < 300, true, await res.clone().text());
      return (await res.json()) as { id: string; isCached: boolean };
    };
    const t = await post({ idempotencyKey: 'token-k' });
    assert.equal((await post({ idempotencyKey: 'token-k' })).id, t.id);
    const listed = await fetch(`${engine.url}/api/v1/waitpoints/tokens?filter[idempotencyKey]=token-k`, { headers: { authorization: `Bearer ${KEY}` } });
    const item = ((await listed.json()) as { data: { idempotencyKeyExpiresAt?: string }[] }).data[0]!;
    assert.ok(Math.abs(Date.parse(item.idempotencyKeyExpiresAt!) - (Date.now() + 30 * DAY_MS)) < 60_000, JSON.stringify(item));
  });

  it('refuses a bad idempotencyKeyTTL naming the field, and a bad key from the SDK before sending', async () => {
    const res = await fetch(`${engine.url}/api/v1/tasks/leaf/trigger`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ options: { idempotencyKey: 'k', idempotencyKeyTTL: 'soon' } }),
    });
    assert.equal(res.status, 422);
    assert.match(JSON.stringify(await res.json()), /options\.idempotencyKeyTTL/);
    await assert.rejects(tasks.trigger('leaf', {}, { idempotencyKey: ['ok', ''] }), /idempotencyKey: use a non-empty string or an array of non-empty strings/);
  });

  it('stores a key’s expiry 30 days out by default (read from the store once the engine stopped)', async () => {
    await engine.close();
    const { SqliteRunStore } = await import('../../../src/engine/store/sqlite');
    const store = new SqliteRunStore({ file: join(dir, '.runlight', 'runlight.db') });
    await store.open();
    try {
      const r = await store.getRun(defaultTtlRun);
      assert.ok(r?.idempotencyKeyExpiresAt, 'an expiry is stored');
      assert.ok(Math.abs(r.idempotencyKeyExpiresAt - (Date.parse(r.run.createdAt) + 30 * DAY_MS)) < 5_000, 'the default TTL is 30 days');
    } finally {
      await store.close();
    }
  });
});
