import assert from 'node:assert/strict';
import { startSdkEngine, TR_SECRET, type SdkEngine } from './support';
import { TASKS } from '../fixtures';
import { followRun, waitFor } from '../../../support/engine';

/** The Electric shape protocol on our run feeds, checked on the wire with plain fetch. */

interface Message {
  key?: string;
  value?: Record<string, string | null>;
  headers: { operation?: string; control?: string };
}

const HOLD_MS = 3000;

describe('trigger-sdk: Electric shape protocol on the run feeds', function () {
  this.timeout(60_000);
  let e: SdkEngine;

  before(async () => {
    e = await startSdkEngine(TASKS, { RUNLIGHT_ELECTRIC_LIVE_POLL_MS: String(HOLD_MS), RUNLIGHT_ELECTRIC_MAX_LIVE_POLLS: '3' });
    await waitFor(async () => ((await e.client.listTasks()).tasks.some((t) => t.id === 'sleeper') ? true : undefined), 30_000, 'tasks');
  });
  after(async () => e?.close());

  async function get(path: string, signal?: AbortSignal) {
    const res = await fetch(`${e.url}${path}`, {
      headers: { authorization: `Bearer ${TR_SECRET}`, 'x-trigger-electric-version': '1.0.0-beta.1', 'x-trigger-api-version': '2025-07-16' },
      signal,
    });
    const text = await res.text();
    return { res, status: res.status, messages: (res.status === 200 || res.status === 409 ? JSON.parse(text) : text) as Message[] };
  }

  it('answers offset=-1 with a snapshot: headers, one insert per run encoded as strings, then up-to-date', async () => {
    const { id } = await e.client.trigger('echo', { value: 'hi "there"' }, { tags: ['a"b', 'plain'], metadata: { n: 1 } });
    await followRun(e.client, id);
    const { res, status, messages } = await get(`/realtime/v1/runs/${id}?offset=-1`);
    assert.equal(status, 200);
    assert.match(res.headers.get('electric-handle') ?? '', /^rl-/);
    assert.match(res.headers.get('electric-offset') ?? '', /^\d+_0$/);
    assert.ok(res.headers.get('electric-cursor'));
    assert.equal(res.headers.get('electric-up-to-date'), '');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const schema = JSON.parse(res.headers.get('electric-schema')!) as Record<string, { type: string; dims?: number }>;
    assert.equal(Object.keys(schema).length, 26);
    assert.deepEqual(schema.runTags, { type: 'text', dims: 1 });
    assert.deepEqual(schema.isTest, { type: 'bool' });
    assert.equal(messages.length, 2);
    assert.deepEqual(messages[1], { headers: { control: 'up-to-date' } });
    const row = messages[0]!;
    assert.equal(row.key, `"public"."TaskRun"/"${id}"`);
    assert.equal(row.headers.operation, 'insert');
    const v = row.value!;
    assert.equal(v.friendlyId, id);
    assert.equal(v.status, 'COMPLETED_SUCCESSFULLY');
    assert.equal(v.isTest, 'f');
    assert.match(v.createdAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/, 'timestamp without Z');
    assert.match(v.completedAt!, /^\d{4}-.*\d$/);
    assert.equal(v.runTags, '{"a\\"b","plain"}');
    assert.equal(v.realtimeStreams, '{}');
    assert.equal(v.payloadType, 'application/json');
    assert.deepEqual(JSON.parse(v.payload!), { value: 'hi "there"' });
    assert.deepEqual(JSON.parse(v.output!), { echoed: 'hi "there"' });
    assert.deepEqual(JSON.parse(v.metadata!), { n: 1 });
    assert.equal(v.error, null);
    assert.ok(Object.values(v).every((x) => x === null || typeof x === 'string'));
  });

  it('replays every state of a run one poll at a time from an early offset, then reports up-to-date', async () => {
    const { id } = await e.client.trigger('echo', { value: 1 });
    await followRun(e.client, id);
    const snap = await get(`/realtime/v1/runs/${id}?offset=-1`);
    const handle = snap.res.headers.get('electric-handle')!;
    let offset = '0_0';
    const statuses: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await get(`/realtime/v1/runs/${id}?offset=${offset}&handle=${handle}`);
      assert.equal(r.status, 200);
      const rows = r.messages.filter((m) => m.key);
      assert.ok(rows.length <= 1, 'one state per run per response');
      if (rows.length === 0) break;
      statuses.push(rows[0]!.value!.status!);
      offset = r.res.headers.get('electric-offset')!;
    }
    assert.deepEqual(
      statuses.filter((s, i) => s !== statuses[i - 1]),
      ['PENDING', 'DEQUEUED', 'EXECUTING', 'COMPLETED_SUCCESSFULLY'],
    );
  });

  it('holds a live poll until a matching change wakes it, or answers a bare up-to-date after the hold', async () => {
    const tag = `live-${Date.now()}`;
    const snap = await get(`/realtime/v1/runs?tags=${tag}&offset=-1`);
    assert.deepEqual(snap.messages, [{ headers: { control: 'up-to-date' } }]);
    const handle = snap.res.headers.get('electric-handle')!;
    const offset = snap.res.headers.get('electric-offset')!;

    let t0 = Date.now();
    const idle = await get(`/realtime/v1/runs?tags=${tag}&offset=${offset}&handle=${handle}&live=true`);
    const held = Date.now() - t0;
    assert.ok(held >= HOLD_MS * 0.8 && held < HOLD_MS * 3, `held ${held} ms`);
    assert.deepEqual(idle.messages, [{ headers: { control: 'up-to-date' } }]);
    assert.equal(idle.res.headers.get('electric-offset'), offset);

    const pending = get(`/realtime/v1/runs?tags=${tag}&offset=${offset}&handle=${handle}&live=true`);
    await new Promise((r) => setTimeout(r, 100));
    await e.client.trigger('echo', { value: 3 }, { tags: ['other-tag'] });
    await e.client.trigger('echo', { value: 2 }, { tags: [tag] });
    t0 = Date.now();
    const woke = await pending;
    assert.ok(Date.now() - t0 < HOLD_MS * 0.5, `woken by the change, not the hold (${Date.now() - t0} ms after the trigger)`);
    const rows = woke.messages.filter((m) => m.key);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.headers.operation, 'update');
    assert.equal(JSON.parse(rows[0]!.value!.payload!).value, 2);
    assert.notEqual(woke.res.headers.get('electric-offset'), offset);
  });

  it('answers 409 must-refetch for an unknown handle or a handle of another shape', async () => {
    const r = await get(`/realtime/v1/runs?tags=x&offset=5_0&handle=rl-nope&live=true`);
    assert.equal(r.status, 409);
    assert.deepEqual(r.messages, [{ headers: { control: 'must-refetch' } }]);
    assert.ok(r.res.headers.get('electric-handle'));
    const snap = await get(`/realtime/v1/runs?tags=x&offset=-1`);
    const other = await get(`/realtime/v1/runs?tags=y&offset=${snap.res.headers.get('electric-offset')}&handle=${snap.res.headers.get('electric-handle')}`);
    assert.equal(other.status, 409);
  });

  it('releases a held poll when the client goes away (a freed slot, not a 429)', async () => {
    const tag = `abort-${Date.now()}`;
    const snap = await get(`/realtime/v1/runs?tags=${tag}&offset=-1`);
    const q = `/realtime/v1/runs?tags=${tag}&offset=${snap.res.headers.get('electric-offset')}&handle=${snap.res.headers.get('electric-handle')}&live=true`;
    // The engine allows 3 held polls; hold 3, abort them, and 3 more must be held rather than refused.
    for (let round = 0; round < 2; round++) {
      const acs = [0, 1, 2].map(() => new AbortController());
      const polls = acs.map((ac) => get(q, ac.signal).catch((err: unknown) => err));
      await new Promise((r) => setTimeout(r, 1000));
      const extra = await get(q);
      assert.equal(extra.status, 429, `round ${round}: a fourth concurrent live poll is refused`);
      acs.forEach((ac) => ac.abort());
      for (const p of polls) assert.ok((await p) instanceof Error);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  it('frames stream reads for their client (trigger-version header) as v2 batches, resumes after Last-Event-ID, checks Timeout-Seconds', async () => {
    const { id } = await e.client.trigger('streamer', { n: 6 });
    await followRun(e.client, id);
    const read = async (headers: Record<string, string>) => {
      const res = await fetch(`${e.url}/realtime/v1/streams/${id}/tokens`, {
        headers: { authorization: `Bearer ${TR_SECRET}`, accept: 'text/event-stream', 'trigger-version': '4.8.3', ...headers },
        signal: AbortSignal.timeout(10_000),
      });
      return { res, text: await res.text() };
    };
    const { res, text } = await read({ 'last-event-id': '2' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-stream-version'), 'v2');
    const batches = text
      .split('\n\n')
      .filter((f) => f.includes('event: batch'))
      .map(
        (f) =>
          JSON.parse(
            f
              .split('\n')
              .find((l) => l.startsWith('data: '))!
              .slice(6),
          ) as { records: { seq_num: number; body: string; headers: unknown[] }[] },
      );
    const records = batches.flatMap((b) => b.records);
    assert.deepEqual(
      records.map((r) => r.seq_num),
      [3, 4, 5],
      'resumes right after Last-Event-ID, ends when the run is done',
    );
    assert.deepEqual(
      records.map((r) => JSON.parse(r.body) as { data: string; id: string }).map((b) => b.data),
      ['t3 ', 't4 ', 't5 '],
    );
    assert.equal((await read({ 'timeout-seconds': '0' })).res.status, 422);
    // Our own SSE framing is unchanged for our client (no trigger-version header).
    const ours = await fetch(`${e.url}/realtime/v1/streams/${id}/tokens`, { headers: { authorization: `Bearer ${TR_SECRET}`, accept: 'text/event-stream' } });
    assert.equal(ours.headers.get('x-stream-version'), null);
    assert.match(await ours.text(), /id: 0\ndata: "t0 "/);
  });
});
