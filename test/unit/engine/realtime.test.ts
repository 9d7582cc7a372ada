import assert from 'node:assert/strict';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../support/engine';
import { TASKS } from './fixtures';
import { Run } from '../../../src/protocol';

/** Reads raw SSE events with eventsource-parser until `stop` says so or `max` events arrived; then drops the connection. */
async function readEvents(
  url: string,
  token: string,
  opts: { lastEventId?: string; max?: number; stop?: (e: EventSourceMessage) => boolean; timeoutMs?: number } = {},
) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs ?? 10_000);
  const events: EventSourceMessage[] = [];
  let done = false;
  const parser = createParser({
    onEvent: (e) => {
      if (done) return;
      events.push(e);
      if ((opts.max !== undefined && events.length >= opts.max) || opts.stop?.(e)) done = true;
    },
  });
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {}) },
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    while (!done) {
      const { value, done: eof } = await reader.read();
      if (eof) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    await reader.cancel().catch(() => undefined);
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return events;
}

describe('engine: realtime feeds over SSE', function () {
  this.timeout(60_000);
  let t: TestEngine;

  before(async () => {
    t = await startTestEngine(TASKS, { workers: 2 });
    await waitFor(async () => ((await t.client.listTasks()).tasks.length > 0 ? true : undefined), 30_000, 'tasks');
  });
  after(async () => t?.close());

  it('stream feed: id per chunk, then event: end; resumes after Last-Event-ID with no gap or duplicate', async () => {
    const { id } = await t.client.trigger('streamer', { n: 50 });
    await followRun(t.client, id);
    const url = `${t.url}/realtime/v1/streams/${id}/tokens`;
    const first = await readEvents(url, t.key, { max: 20 });
    assert.equal(first.length, 20);
    first.forEach((e, i) => {
      assert.equal(e.id, String(i));
      assert.equal(e.event, undefined);
      assert.equal(JSON.parse(e.data), `t${i} `);
    });
    const rest = await readEvents(url, t.key, { lastEventId: first.at(-1)!.id, stop: (e) => e.event === 'end' });
    const chunks = rest.filter((e) => e.event !== 'end');
    assert.deepEqual(
      chunks.map((e) => Number(e.id)),
      Array.from({ length: 30 }, (_, i) => i + 20),
    );
    assert.equal(rest.at(-1)!.event, 'end');
  });

  it('stream feed delivers live chunks while the task runs, then ends', async () => {
    const { id } = await t.client.trigger('streamer', { n: 40, delayMs: 10 });
    const events = await readEvents(`${t.url}/realtime/v1/streams/${id}/tokens`, t.key, { stop: (e) => e.event === 'end', timeoutMs: 15_000 });
    assert.equal(events.at(-1)?.event, 'end');
    assert.equal(events.filter((e) => e.event !== 'end').length, 40);
  });

  it('run feed: current state first, then each change with increasing seq; resume replays only later changes', async () => {
    const { id } = await t.client.trigger('streamer', { n: 10, delayMs: 20 });
    const url = `${t.url}/realtime/v1/runs/${id}`;
    const events = await readEvents(url, t.key, { stop: (e) => Run.parse(JSON.parse(e.data)).finishedAt !== undefined, timeoutMs: 15_000 });
    const seqs = events.map((e) => Number(e.id));
    assert.ok(
      seqs.every((s, i) => i === 0 || s > seqs[i - 1]!),
      `seqs increase: ${seqs.join(',')}`,
    );
    assert.ok(events.every((e) => e.event === 'run'));
    const runs = events.map((e) => Run.parse(JSON.parse(e.data)));
    assert.equal(runs.at(-1)!.status, 'COMPLETED');
    // Resume from the middle: exactly the later events come back.
    const mid = events[Math.floor(events.length / 2)]!;
    const replay = await readEvents(url, t.key, { lastEventId: mid.id, max: events.length - Math.floor(events.length / 2) - 1, timeoutMs: 3000 });
    assert.deepEqual(
      replay.map((e) => e.id),
      events.slice(Math.floor(events.length / 2) + 1).map((e) => e.id),
    );
  });

  it('workspace feed needs the secret key or read:runs', async () => {
    const pat = await t.client.createPublicToken(['read:tags:nothing']);
    const res = await fetch(`${t.url}/realtime/v1/runs`, { headers: { authorization: `Bearer ${pat}` } });
    assert.equal(res.status, 403);
    await res.body?.cancel();
    const ok = await readEvents(`${t.url}/realtime/v1/runs`, t.key, { max: 1 });
    assert.equal(ok.length, 1);
  });

  it('appends chunks from outside a worker, and refuses writes to a finished run', async () => {
    const { id } = await t.client.trigger('sleeper', { ms: 5000 });
    await waitFor(async () => ((await t.client.retrieveRun(id)).status === 'EXECUTING' ? true : undefined), 10_000, 'executing');
    await t.client.appendToStream(id, 'external', { hello: 'world' });
    await t.client.appendToStream(id, 'external', 'second');
    const res = await fetch(`${t.url}/realtime/v1/streams/${id}/self/external/append`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: '"third"',
    });
    assert.deepEqual(
      [res.status, res.headers.get('content-type'), res.headers.get('cache-control'), await res.json()],
      [200, 'application/json; charset=utf-8', 'no-store', { ok: true, idx: 2 }],
    );
    const run = await t.client.retrieveRun(id);
    assert.ok(run.realtimeStreams.includes('external'));
    await t.client.cancelRun(id);
    await assert.rejects(t.client.appendToStream(id, 'external', 'too late'), (e: Error & { status?: number }) => e.status === 409);
    const events = await readEvents(`${t.url}/realtime/v1/streams/${id}/external`, t.key, { stop: (e) => e.event === 'end' });
    assert.deepEqual(
      events.filter((e) => e.event !== 'end').map((e) => JSON.parse(e.data)),
      [{ hello: 'world' }, 'second', 'third'],
    );
  });
});
