import assert from 'node:assert/strict';
import superjson from 'superjson';
import { configure as configureOfficial, runs as officialRuns, tasks as officialTasks, batch as officialBatch } from '@trigger.dev/sdk';
import { configure, runs, tasks } from '../../../../src/sdk/backend';
import { startSdkEngine, TR_SECRET, type SdkEngine } from './support';
import { waitFor } from '../../../support/engine';

/**
 * Payloads and outputs that are not plain JSON (Date, Map, Set, BigInt, URL, RegExp, undefined), as Trigger.dev's SDK
 * sends them (`application/super+json`): task code gets the real types, and so do the readers that rebuild them
 * (the official `runs.subscribeToRun`, Runlight's SDK, `triggerAndWait`); the official `runs.retrieve` gets what
 * Trigger.dev's server answers (the value as JSON). Real engine, real workers, the official SDK unchanged.
 */

const TYPES_TASKS = `
import { task } from "@trigger.dev/sdk";

const typeOf = (v: unknown) => (v === undefined ? "undefined" : v === null ? "null" : typeof v === "object" ? (v as object).constructor.name : typeof v);
const typesOf = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeOf(v)]));

/** Says what its payload's values are, and gives them back next to values of its own. */
export const typedEcho = task({
  id: "typed-echo",
  run: async (payload: Record<string, unknown>) => ({
    seen: typesOf(payload),
    echo: payload,
    made: { at: new Date("2030-05-06T07:08:09.000Z"), big: 2n ** 70n, ids: new Set([1, 2]), byName: new Map([["a", new Date(0)]]) },
  }),
});

/** Triggers typed-echo and waits (Runlight's triggerAndWait, inside a task): says what the child's output holds. */
export const typedParent = task({
  id: "typed-parent",
  run: async () => {
    const result = await typedEcho.triggerAndWait({ when: new Date("2031-01-01T00:00:00.000Z"), n: 5n });
    if (!result.ok) throw new Error("the child failed");
    const out = result.output as { seen: Record<string, string>; made: Record<string, unknown> };
    return { childSaw: out.seen, made: typesOf(out.made), big: String(out.made.big) };
  },
});
`;

function sample() {
  return {
    at: new Date('2026-03-04T05:06:07.089Z'),
    byName: new Map<string, number>([
      ['x', 1],
      ['y', 2],
    ]),
    tags: new Set(['a', 'b']),
    big: 12345678901234567890n,
    url: new URL('https://example.test/path?q=1'),
    re: /ab+c/gi,
    gone: undefined,
    plain: { n: 1, s: 'text' },
  };
}

const SAMPLE_TYPES = { at: 'Date', byName: 'Map', tags: 'Set', big: 'bigint', url: 'URL', re: 'RegExp', gone: 'undefined', plain: 'Object' };

describe('payload types: superjson round trips (the official SDK and Runlight`s)', function () {
  this.timeout(90_000);
  let e: SdkEngine;

  before(async () => {
    e = await startSdkEngine({ 'trigger/types.ts': TYPES_TASKS });
    await waitFor(
      async () => {
        const ids = (await e.client.listTasks()).tasks.map((t) => t.id);
        return ids.includes('typed-echo') && ids.includes('typed-parent') ? true : undefined;
      },
      30_000,
      'typed tasks indexed',
    );
  });
  beforeEach(() => {
    configureOfficial({ baseURL: e.url, accessToken: TR_SECRET });
    configure({ baseURL: e.url, accessToken: TR_SECRET });
  });
  after(async () => {
    configure({});
    await e?.close();
  });

  async function finished(id: string) {
    return waitFor(
      async () => {
        const r = await e.client.retrieveRun(id);
        return r.finishedAt ? r : undefined;
      },
      30_000,
      `run ${id} to finish`,
    );
  }

  it('the official tasks.trigger: the task sees a Date, Map, Set, BigInt, URL, RegExp and undefined; official subscribeToRun gets them back', async () => {
    const handle = await officialTasks.trigger('typed-echo', sample());
    let last;
    for await (const run of officialRuns.subscribeToRun(handle.id, { signal: AbortSignal.timeout(30_000) })) last = run;
    assert.equal(last?.status, 'COMPLETED', JSON.stringify(last?.error));
    const output = last.output as { seen: Record<string, string>; echo: ReturnType<typeof sample>; made: Record<string, unknown> };
    assert.deepEqual(output.seen, SAMPLE_TYPES, 'what the task saw');
    // What the subscriber gets: every value with its type (Trigger.dev's client rebuilds the superjson output).
    assert.deepEqual(output.echo, sample());
    assert.ok('gone' in output.echo, 'an undefined field stays a field');
    assert.equal(output.made.big, 2n ** 70n);
    assert.deepEqual(output.made.byName, new Map([['a', new Date(0)]]));
    assert.deepEqual(last.payload, sample(), 'the payload too');
  });

  it('the official runs.retrieve answers as Trigger.dev`s server does: the value as JSON', async () => {
    const handle = await officialTasks.trigger('typed-echo', sample());
    await finished(handle.id);
    const r = await officialRuns.retrieve(handle.id);
    assert.deepEqual(r.payload, {
      at: '2026-03-04T05:06:07.089Z',
      byName: { x: 1, y: 2 },
      tags: ['a', 'b'],
      big: '12345678901234567890',
      url: 'https://example.test/path?q=1',
      re: '/ab+c/gi',
      plain: { n: 1, s: 'text' },
    });
    const output = r.output as { seen: Record<string, string>; made: Record<string, unknown> };
    assert.deepEqual(output.seen, SAMPLE_TYPES);
    assert.deepEqual(output.made, { at: '2030-05-06T07:08:09.000Z', big: String(2n ** 70n), ids: [1, 2], byName: { a: '1970-01-01T00:00:00.000Z' } });
  });

  it('the official batchTrigger: each item`s task sees the types', async () => {
    const handle = await officialBatch.trigger([
      { id: 'typed-echo', payload: { at: new Date(5) } },
      { id: 'typed-echo', payload: { big: 3n, gone: undefined } },
    ]);
    const listed = await waitFor(
      async () => {
        const page = await e.client.listRuns({ batch: handle.batchId });
        return page.data.length === 2 ? page.data : undefined;
      },
      30_000,
      'the batch`s runs',
    );
    const seen = [];
    for (const run of [...listed].sort((x, y) => x.number - y.number)) {
      const done = await finished(run.id);
      assert.equal(done.status, 'COMPLETED', JSON.stringify(done.error));
      seen.push((done.output as { seen: unknown }).seen);
    }
    assert.deepEqual(seen, [{ at: 'Date' }, { big: 'bigint', gone: 'undefined' }]);
  });

  it("Runlight's SDK: tasks.trigger, runs.retrieve and subscribeToRun keep the types; triggerAndWait inside a task gets them", async () => {
    const handle = await tasks.trigger('typed-echo', sample());
    let last;
    for await (const run of runs.subscribeToRun(handle.id, { signal: AbortSignal.timeout(30_000) })) last = run;
    assert.equal(last?.status, 'COMPLETED');
    const output = last.output as { seen: Record<string, string>; echo: unknown; made: Record<string, unknown> };
    assert.deepEqual(output.seen, SAMPLE_TYPES);
    assert.deepEqual(output.echo, sample());
    assert.deepEqual(last.payload, sample());
    assert.ok(!('payloadMeta' in last) && !('outputMeta' in last), 'the SDK run has no meta fields');

    const retrieved = await runs.retrieve(handle.id);
    assert.deepEqual(retrieved.payload, sample());
    assert.deepEqual((retrieved.output as { made: unknown }).made, {
      at: new Date('2030-05-06T07:08:09.000Z'),
      big: 2n ** 70n,
      ids: new Set([1, 2]),
      byName: new Map([['a', new Date(0)]]),
    });

    const parent = await tasks.trigger('typed-parent', undefined);
    const done = await finished(parent.id);
    assert.equal(done.status, 'COMPLETED', JSON.stringify(done.error));
    assert.deepEqual(done.output, {
      childSaw: { when: 'Date', n: 'bigint' },
      made: { at: 'Date', big: 'bigint', ids: 'Set', byName: 'Map' },
      big: String(2n ** 70n),
    });
  });

  it('keeps the run row plain for a plain payload, and stores the types beside the JSON for a typed one', async () => {
    const plain = await officialTasks.trigger('typed-echo', { n: 1, s: 'x', list: [1, 2] });
    const typed = await officialTasks.trigger('typed-echo', { at: new Date(0) });
    const [p, t] = [await finished(plain.id), await finished(typed.id)];
    assert.deepEqual(p.payload, { n: 1, s: 'x', list: [1, 2] });
    assert.equal(p.payloadMeta, undefined);
    assert.deepEqual(t.payload, { at: '1970-01-01T00:00:00.000Z' });
    // Trigger.dev's SDK writes superjson's first path format (no `v`); Runlight's writes `v: 1`.
    assert.deepEqual(t.payloadMeta, { values: { at: ['Date'] } });
    assert.ok(t.outputMeta, 'the output (with Dates, BigInts) has its meta');
  });

  it('Electric rows send a typed payload and output as superjson text (application/super+json), a plain one as JSON', async () => {
    const typed = await officialTasks.trigger('typed-echo', { at: new Date(0) });
    await finished(typed.id);
    const res = await fetch(`${e.url}/realtime/v1/runs/${typed.id}?offset=-1`, {
      headers: { authorization: `Bearer ${TR_SECRET}`, 'x-trigger-electric-version': '1.0.0-beta.1', 'x-trigger-api-version': '2025-07-16' },
    });
    const rows = (await res.json()) as { value?: Record<string, string | null> }[];
    const row = rows.find((m) => m.value)?.value;
    assert.ok(row, 'a row');
    assert.equal(row.payloadType, 'application/super+json');
    assert.deepEqual(JSON.parse(row.payload!), { json: { at: '1970-01-01T00:00:00.000Z' }, meta: { values: { at: ['Date'] } } });
    assert.equal(row.outputType, 'application/super+json');
    assert.deepEqual((superjson.parse(row.output!) as { seen: unknown }).seen, { at: 'Date' });
    assert.equal(row.metadataType, 'application/json');

    const plain = await e.client.trigger('typed-echo', { n: 1 });
    const done = await finished(plain.id);
    assert.equal(done.payloadMeta, undefined);
    const plainRows = (await (
      await fetch(`${e.url}/realtime/v1/runs/${plain.id}?offset=-1`, {
        headers: { authorization: `Bearer ${TR_SECRET}`, 'x-trigger-electric-version': '1.0.0-beta.1' },
      })
    ).json()) as { value?: Record<string, string | null> }[];
    const plainRow = plainRows.find((m) => m.value)?.value;
    assert.equal(plainRow?.payloadType, 'application/json');
    assert.equal(plainRow?.payload, '{"n":1}');
  });

  it('replay keeps the payload`s types', async () => {
    const first = await tasks.trigger('typed-echo', { at: new Date(7), big: 9n });
    await finished(first.id);
    const { id } = await runs.replay(first.id);
    const again = await finished(id);
    assert.equal(again.status, 'COMPLETED');
    assert.deepEqual((again.output as { seen: unknown }).seen, { at: 'Date', big: 'bigint' });
    assert.deepEqual(again.payloadMeta, (await e.client.retrieveRun(first.id)).payloadMeta);
  });

  describe('bad superjson is refused with a 400 naming the field', () => {
    async function post(path: string, body: unknown, official = true) {
      const res = await fetch(`${e.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TR_SECRET}`, 'content-type': 'application/json', ...(official ? { 'trigger-version': '4.8.3' } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
    }
    const superjsonBody = (payload: string) => ({ payload, options: { payloadType: 'application/super+json' } });

    it('text that is not JSON, or not a superjson document', async () => {
      const notJson = await post('/api/v1/tasks/typed-echo/trigger', superjsonBody('{"json": '));
      assert.equal(notJson.status, 400);
      assert.equal(notJson.body.error?.code, 'invalid_payload');
      assert.match(notJson.body.error?.message ?? '', /^payload: not valid application\/super\+json/);
      const noJsonPart = await post('/api/v1/tasks/typed-echo/trigger', superjsonBody('{"at": 1}'));
      assert.equal(noJsonPart.status, 400);
      assert.match(noJsonPart.body.error?.message ?? '', /^payload: not a superjson document/);
    });

    it('a meta that does not fit its JSON (a missing place, an unknown type, a value that is not of the type)', async () => {
      const cases: [string, RegExp][] = [
        ['{"json":{"a":1},"meta":{"values":{"b":["Date"]},"v":1}}', /"b", a place its JSON does not have/],
        ['{"json":{"a":1},"meta":{"values":{"a":["Temporal"]},"v":1}}', /Unknown transformation: Temporal/],
        ['{"json":{"a":"x"},"meta":{"values":{"a":["bigint"]},"v":1}}', /Cannot convert x to a BigInt/],
        ['{"json":{"a":1},"meta":{"values":7}}', /meta is malformed \(meta\.values/],
      ];
      for (const [text, why] of cases) {
        const r = await post('/api/v1/tasks/typed-echo/trigger', superjsonBody(text));
        assert.equal(r.status, 400, text);
        assert.equal(r.body.error?.code, 'invalid_payload');
        assert.match(r.body.error?.message ?? '', /^payload: /, text);
        assert.match(r.body.error?.message ?? '', why, text);
      }
    });

    it('in a batch item (its index), and in Runlight`s own payloadMeta', async () => {
      const good = JSON.stringify({ json: 1 });
      const batch = await post('/api/v2/tasks/batch', {
        items: [
          { task: 'typed-echo', ...superjsonBody(good) },
          { task: 'typed-echo', ...superjsonBody('{"json":"x","meta":{"values":["bigint"]}}') },
        ],
      });
      assert.equal(batch.status, 400);
      assert.match(batch.body.error?.message ?? '', /^items\.1\.payload: its superjson meta does not fit its JSON/);

      const ours = await post('/api/v1/tasks/typed-echo/trigger', { payload: { a: 1 }, payloadMeta: { values: { a: ['map'] }, v: 1 } }, false);
      assert.equal(ours.status, 400);
      assert.equal(ours.body.error?.code, 'invalid_payload');
      assert.match(ours.body.error?.message ?? '', /^body\.payloadMeta: its superjson meta does not fit its JSON/);
      const ourBatch = await post('/api/v1/tasks/batch', { items: [{ task: 'typed-echo', payload: 'x', payloadMeta: { values: ['bigint'] } }] }, false);
      assert.equal(ourBatch.status, 400);
      assert.match(ourBatch.body.error?.message ?? '', /^body\.items\.0\.payloadMeta: /);
    });
  });
});
