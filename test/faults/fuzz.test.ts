import assert from 'node:assert/strict';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import { ErrorBody, type Run } from '../../src/protocol';
import { makeWorkspace, followRun } from '../support/engine';
import { FAULT_TASKS, SECRET, spawnEngine, waitForTask, type ChildEngine } from './support';

/**
 * Abuse 2: fast-check fuzzing of the running engine (a child `dist/cli.js dev`): random and mutated bodies for
 * trigger, batch, metadata, tags and stream appends, random path params, query strings and headers, oversized
 * and deeply nested inputs, prototype-polluting metadata keys. Every response is < 500, every 4xx is
 * `{ error: { code, message } }` naming the bad field, a 200 from an SSE route is `text/event-stream`, the
 * engine stays alive, and nothing partial is stored (runs grow only by 2xx triggers, the probe run's metadata
 * changes only on 2xx, its streams hold exactly the 2xx appends).
 */

const BATCH = 16; // requests in flight at once
const RUNS = 640; // fast-check runs of BATCH requests each (plus the serial probe-metadata checks)

/** Task files of this test: tasks that misuse streams and metadata from inside a run. */
const FUZZ_TASKS: Record<string, string> = {
  'trigger/fuzz.ts': `
import { task, metadata, streams } from "@trigger.dev/sdk";
export const bigChunk = task({ id: "big-chunk", run: async () => { await streams.append("tokens", "x".repeat(1536 * 1024)); return { wrote: true }; } });
export const badKey = task({ id: "bad-key", run: async () => { await streams.append("bad\\u0001key", 1); return { wrote: true }; } });
export const bigMeta = task({ id: "big-meta", run: async () => { metadata.set("big", "x".repeat(300 * 1024)); await metadata.flush(); return { wrote: true }; } });
export const protoMeta = task({ id: "proto-meta", run: async () => { metadata.set("__proto__", { polluted: true }); await metadata.flush(); return { polluted: ({} as Record<string, unknown>).polluted === true }; } });
`,
};

interface Req {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  sse?: boolean;
  /** A metadata write to the probe run: checked serially against a GET. */
  probeMeta?: boolean;
  /** A stream append to the probe run under this key. */
  probeAppend?: string;
}

interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Names a 4xx message may give for the bad part of a request. */
const FIELD =
  /(body|payload|options|tags?\b|key\b|items|query|status|Authorization|Host|headers|request|Last-Event-ID|url|runId|taskId|task id|metadata|operations|chunk|page|filter|createdAt|Public Access Token)/i;
const NOT_FOUND = /^(run [\s\S]* (does not exist|not found)$|no route for \/|batch|task)/i;

describe('faults: fuzzing the engine API', function () {
  this.timeout(120_000);
  let dir: string;
  let engine: ChildEngine;
  let agent: Agent;
  let hostHeader: string;

  before(async () => {
    dir = await makeWorkspace({ ...FAULT_TASKS, ...FUZZ_TASKS });
    engine = await spawnEngine(dir, { workers: 2 });
    hostHeader = `127.0.0.1:${engine.port}`;
    agent = new Agent({ keepAlive: true, maxSockets: BATCH });
    await waitForTask(engine.client, 'echo');
    await waitForTask(engine.client, 'big-chunk');
  });
  after(async () => {
    agent?.destroy();
    await engine?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function send(r: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { host: hostHeader, ...r.headers };
      if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
      const req = request({ host: '127.0.0.1', port: engine.port, method: r.method, path: r.path, headers, agent, timeout: 20_000 }, (res) => {
        if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status: res.statusCode!, headers: res.headers, text: '' });
          return;
        }
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in 20 s: ${show(r)}`)));
      req.on('error', reject);
      req.end(r.body);
    });
  }

  it('answers ≥ 10,000 random, mutated and oversized requests without a 5xx, a crash or a partial write', async () => {
    const started = Date.now();
    const client = engine.client;
    const probe = await client.trigger('sleeper', { ms: 600_000 }, { tags: ['probe'] });
    const done = await client.trigger('echo', { hello: 1 });
    await followRun(client, done.id);
    const knownRuns = new Set<string>([probe.id, done.id]);
    const initialRuns = await allRunIds();
    for (const id of initialRuns) knownRuns.add(id);

    const hist = new Map<number, number>();
    const codes = new Map<string, number>();
    const kinds = new Map<string, { ok: number; refused: number }>();
    let cases = 0;
    let probeMeta = await client.getMetadata(probe.id);
    const probeAppends = new Map<string, number>();

    // ---- generators ---------------------------------------------------------------------------------------
    const ascii = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
    const nasty = fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '$.__proto__.x',
      '$.constructor.prototype.y',
      '$.a.prototype',
      '$..',
      '$.',
      '$',
      '',
      ' ',
      'bad\u0001key',
      'x\u0000y',
      '\u007f',
      '../..',
      '%00',
      'tok/ens',
      '$logs',
      '$reserved',
      'x'.repeat(129),
      '\u{1F600}',
      '\uD800',
    );
    const anyString = fc.oneof(
      { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
      { weight: 3, arbitrary: nasty },
    );
    const keyArb = fc.oneof({ weight: 2, arbitrary: fc.constantFrom('a', 'b', 'n', 'log', 'step', '$.deep.path') }, { weight: 2, arbitrary: anyString });
    const { value: json } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2),
        anyString,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }),
      ),
    }));
    const tag = fc.oneof(fc.constantFrom('probe', 'fuzz', 'a', 'b'), anyString);
    const tags = fc.oneof(tag, fc.array(tag, { maxLength: 14 }), json);
    const duration = fc.oneof(
      fc.constantFrom('1s', '5m', '1h', '0s', 'soon', '-1s', '1.5h', '99999999999999999999d', '2030-01-01T00:00:00Z', 'not-a-date'),
      fc.double(),
      fc.integer(),
    );
    /** Mostly a valid value, sometimes a hostile one. */
    const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: bad });
    const goodTags = fc.array(fc.constantFrom('probe', 'fuzz', 'a', 'b', 'ü', '🙂'), { maxLength: 3 });
    const goodMeta = fc.dictionary(fc.constantFrom('a', 'b', 'n', 'step'), fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean()), { maxKeys: 3 });
    const goodOptions = fc.record(
      {
        tags: mostly(goodTags, tags),
        metadata: mostly(goodMeta, fc.dictionary(keyArb, json, { maxKeys: 4 })),
        idempotencyKey: mostly(fc.string({ minLength: 1, maxLength: 8 }), fc.integer()),
        delay: mostly(fc.constantFrom('1s', '10m', 5), duration),
        ttl: mostly(fc.constantFrom('1h', 3600), duration),
        maxAttempts: mostly(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -5, max: 200 })),
        maxDuration: mostly(fc.integer({ min: 1, max: 600 }), fc.double()),
      },
      { requiredKeys: [] },
    );
    const options = fc.record(
      {
        tags,
        metadata: fc.oneof({ weight: 3, arbitrary: fc.dictionary(keyArb, json, { maxKeys: 4 }) }, { weight: 1, arbitrary: json }),
        idempotencyKey: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant('x'.repeat(600))),
        delay: duration,
        ttl: duration,
        maxAttempts: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double(), anyString),
        maxDuration: fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double()),
        batchId: fc.oneof(anyString, fc.integer()),
        test: fc.oneof(fc.boolean(), anyString),
        payloadType: fc.constantFrom('application/json', 'application/super+json', 'application/store', 'text/plain', 'nope'),
        metadataType: fc.constantFrom('application/json', 'application/super+json', 'x'),
      },
      { requiredKeys: [] },
    );
    const taskId = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('echo', 'nope', 'big-chunk', 'bad-key', 'big-meta', 'proto-meta') },
      { weight: 2, arbitrary: anyString },
    );
    const triggerBody = fc.oneof(
      { weight: 5, arbitrary: fc.record({ payload: json, options: goodOptions }, { requiredKeys: [] }) },
      { weight: 2, arbitrary: fc.record({ payload: json, options }, { requiredKeys: [] }) },
      {
        weight: 1,
        arbitrary: fc.record({ payload: anyString.map((s) => JSON.stringify(s)), options: options.map((o) => ({ ...o, payloadType: 'application/json' })) }),
      },
      { weight: 1, arbitrary: json },
    );
    const batchBody = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          items: fc.array(fc.record({ task: taskId, payload: json, options: goodOptions }, { requiredKeys: ['task'] }), { maxLength: 5 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ items: fc.array(fc.record({ task: taskId, payload: json, options }, { requiredKeys: ['task'] }), { maxLength: 5 }) }),
      },
      { weight: 1, arbitrary: fc.record({ items: json }) },
      { weight: 1, arbitrary: json },
    );
    const op = fc.record(
      { type: fc.constantFrom('set', 'delete', 'append', 'remove', 'increment', 'update', 'explode', ''), key: keyArb, value: json },
      { requiredKeys: ['type'] },
    );
    const metadataBody = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record(
          {
            metadata: fc.dictionary(keyArb, json, { maxKeys: 4 }),
            operations: fc.array(op, { maxLength: 4 }),
            parentOperations: fc.array(op, { maxLength: 2 }),
            rootOperations: fc.array(op, { maxLength: 2 }),
          },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: json },
    );
    const tagsBody = fc.oneof({ weight: 4, arbitrary: fc.record({ tags }) }, { weight: 1, arbitrary: json });

    /** A JSON text, sometimes mutated (cut short, a character inserted or replaced). */
    const text = (body: fc.Arbitrary<unknown>) =>
      fc.oneof(
        { weight: 4, arbitrary: body.map((b) => JSON.stringify(b) ?? 'null') },
        {
          weight: 1,
          arbitrary: fc.tuple(body, fc.nat(), fc.constantFrom('cut', 'insert', 'replace'), fc.string({ minLength: 1, maxLength: 2 })).map(([b, at, how, s]) => {
            const t = JSON.stringify(b) ?? 'null';
            const i = at % (t.length + 1);
            return how === 'cut' ? t.slice(0, i) : how === 'insert' ? t.slice(0, i) + s + t.slice(i) : t.slice(0, i) + s + t.slice(i + 1);
          }),
        },
      );

    /** A path segment: an encoded random string or a raw hostile one. */
    const seg = (valid: string) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(valid) },
        { weight: 2, arbitrary: anyString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?')) || 'x') },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            '..',
            '.',
            '%00',
            '%2e%2e',
            '..%2F..%2Fetc',
            '%E0%A4%A',
            '%',
            '%zz',
            'run_nope',
            '%F0%9F%98%80',
            'a'.repeat(5000),
            '%C0%AF',
          ),
        },
      );
    const runIdSeg = fc.oneof(seg(probe.id), seg(done.id));

    const auth = fc.oneof(
      { weight: 30, arbitrary: fc.constant(`Bearer ${SECRET}`) },
      { weight: 1, arbitrary: ascii(40) },
      { weight: 1, arbitrary: ascii(60).map((s) => `Bearer ${s}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'Bearer ',
          'Basic Zm9vOmJhcg==',
          `bearer ${SECRET}x`,
          'Bearer a.b.c',
          'Bearer eyJhbGciOiJub25lIn0.eyJwdWIiOnRydWV9.',
          `Bearer ${'x'.repeat(8000)}`,
        ),
      },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    const host = fc.oneof(
      { weight: 40, arbitrary: fc.constant<string | undefined>(undefined) },
      { weight: 1, arbitrary: fc.oneof(ascii(30), fc.constantFrom('evil.example:80', 'localhost', '127.0.0.1', '127.0.0.1:1', '[::1]')) },
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/octet-stream',
      '',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
    );
    const lastEventId = fc.oneof(
      { weight: 3, arbitrary: fc.constant<string | undefined>(undefined) },
      { weight: 2, arbitrary: fc.oneof(ascii(12), fc.constantFrom('-1', '0', '5', '-2', '1e400', '1.5', 'NaN', '0x10', '99999999999999999999', ' 3')) },
    );

    const withHeaders = (r: fc.Arbitrary<Req>) =>
      fc.tuple(r, auth, host, contentType, fc.boolean()).map(([req, a, h, ct, setCt]): Req => {
        const headers = { ...req.headers };
        if (a !== undefined) headers.authorization = a;
        if (h !== undefined) headers.host = h;
        if (setCt && req.body !== undefined && !headers['content-type']) headers['content-type'] = ct;
        return { ...req, headers };
      });

    const qv = fc.oneof(
      fc.constantFrom(
        'QUEUED',
        'COMPLETED,EXECUTING',
        'FOO',
        '',
        ',,',
        'probe',
        '1',
        '0',
        '1000',
        '1001',
        '-1',
        'abc',
        '1.5',
        '7d',
        '1h',
        '99999999999999999999d',
        'x'.repeat(300),
      ),
      anyString,
    );
    const query = (keys: string[]) =>
      fc
        .array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: anyString }), qv), { maxLength: 4 })
        .map((pairs) => {
          const q = new URLSearchParams();
          for (const [k, v] of pairs) q.append(k.replace(/[\uD800-\uDFFF]/g, '?'), v.replace(/[\uD800-\uDFFF]/g, '?'));
          const s = q.toString();
          return s ? `?${s}` : '';
        });

    const requests: fc.Arbitrary<Req> = fc.oneof(
      withHeaders(
        fc
          .tuple(seg('echo'), text(triggerBody))
          .map(([t, b]) => ({ kind: 'trigger', method: 'POST', path: `/api/v1/tasks/${t}/trigger`, headers: { 'content-type': 'application/json' }, body: b })),
      ),
      withHeaders(
        text(batchBody).map((b) => ({ kind: 'batch', method: 'POST', path: '/api/v1/tasks/batch', headers: { 'content-type': 'application/json' }, body: b })),
      ),
      withHeaders(
        fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constant(probe.id) }, { weight: 1, arbitrary: runIdSeg }), text(metadataBody)).map(([id, b]) => ({
          kind: 'metadata',
          method: 'PUT',
          path: `/api/v1/runs/${id}/metadata`,
          headers: { 'content-type': 'application/json' },
          body: b,
          probeMeta: id === probe.id,
        })),
      ),
      withHeaders(
        fc
          .tuple(runIdSeg, text(tagsBody))
          .map(([id, b]) => ({ kind: 'tags', method: 'POST', path: `/api/v1/runs/${id}/tags`, headers: { 'content-type': 'application/json' }, body: b })),
      ),
      withHeaders(
        fc
          .tuple(
            runIdSeg,
            fc.oneof(seg('self'), fc.constantFrom('parent', 'root')),
            fc.oneof(seg('k1'), seg('k2')),
            fc.oneof(
              text(json),
              anyString,
              fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
            ),
          )
          .map(([id, target, key, b]) => ({
            kind: 'append',
            method: 'POST',
            path: `/realtime/v1/streams/${id}/${target}/${key}/append`,
            headers: {},
            body: b,
            probeAppend: id === probe.id && ['self', 'parent', 'root'].includes(target) && (key === 'k1' || key === 'k2') ? key : undefined,
          })),
      ),
      withHeaders(
        fc
          .tuple(query(['filter[status]', 'filter[taskIdentifier]', 'filter[tag]', 'filter[batch]', 'page[size]', 'page[after]']))
          .map(([q]) => ({ kind: 'list', method: 'GET', path: `/api/v1/runs${q}`, headers: {} })),
      ),
      withHeaders(
        fc
          .tuple(runIdSeg, fc.constantFrom('/api/v3/runs/', '/api/v1/runs/'))
          .map(([id, p]) => ({ kind: 'retrieve', method: 'GET', path: `${p}${id}${p === '/api/v1/runs/' ? '/metadata' : ''}`, headers: {} })),
      ),
      withHeaders(
        fc.tuple(runIdSeg, lastEventId).map(([id, l]) => ({ kind: 'feed-run', method: 'GET', path: `/realtime/v1/runs/${id}`, headers: leid(l), sse: true })),
      ),
      withHeaders(
        fc
          .tuple(query(['tags', 'createdAt', 'status', 'taskIdentifier', 'lastEventId']), lastEventId)
          .map(([q, l]) => ({ kind: 'feed-runs', method: 'GET', path: `/realtime/v1/runs${q}`, headers: leid(l), sse: true })),
      ),
      withHeaders(
        fc
          .tuple(seg('batch_nope'), query(['status', 'createdAt']))
          .map(([id, q]) => ({ kind: 'feed-batch', method: 'GET', path: `/realtime/v1/batches/${id}${q}`, headers: {}, sse: true })),
      ),
      withHeaders(
        fc
          .tuple(runIdSeg, fc.oneof(seg('k1'), seg('$logs')), lastEventId)
          .map(([id, k, l]) => ({ kind: 'feed-stream', method: 'GET', path: `/realtime/v1/streams/${id}/${k}`, headers: leid(l), sse: true })),
      ),
      withHeaders(
        fc
          .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.array(seg('api'), { minLength: 1, maxLength: 5 }))
          .map(([m, segs]) => ({ kind: 'random-path', method: m, path: `/${segs.join('/')}`, headers: {} })),
      ),
    );

    // ---- checks -------------------------------------------------------------------------------------------
    const check = (r: Req, res: Res): void => {
      cases++;
      hist.set(res.status, (hist.get(res.status) ?? 0) + 1);
      const k = kinds.get(r.kind) ?? { ok: 0, refused: 0 };
      if (res.status < 300) k.ok++;
      else k.refused++;
      kinds.set(r.kind, k);
      const where = `${show(r)} → ${res.status} ${res.text.slice(0, 300)}`;
      if (res.status >= 500) {
        const log = engine.stderr();
        const at = log.lastIndexOf('internal error');
        assert.fail(`5xx: ${where}\nbody: ${String(r.body).slice(0, 3000)}\nengine log: ${at >= 0 ? log.slice(at, at + 1500) : log.slice(-1500)}`);
      }
      if (res.status >= 400) {
        const err = ErrorBody.safeParse(safeJson(res.text));
        assert.ok(err.success, `4xx without { error: { code, message } }: ${where}`);
        const { code, message } = err.data.error;
        codes.set(`${res.status} ${code}`, (codes.get(`${res.status} ${code}`) ?? 0) + 1);
        if (res.status === 404) assert.match(message, NOT_FOUND, `404 names no route or run: ${where}`);
        else if (res.status === 409) assert.match(message, /^run [\s\S]+ /, `409 names no run: ${where}`);
        else if (res.status === 405) assert.match(message, /is not allowed on \//, where);
        else assert.match(message, FIELD, `4xx names no field: ${where}`);
        const issues = err.data.error.issues;
        if (res.status === 422 && issues?.length)
          assert.ok(message.startsWith(`${issues[0]!.path}:`), `422 message does not start with the field path: ${where}`);
      } else if (res.status >= 200 && res.status < 300) {
        if (r.sse && res.status === 200) assert.match(String(res.headers['content-type']), /^text\/event-stream/, `SSE 200 not event-stream: ${where}`);
        if (r.kind === 'trigger') knownRuns.add(JSON.parse(res.text).id as string);
        if (r.kind === 'batch') for (const run of (JSON.parse(res.text) as { runs: { id: string }[] }).runs) knownRuns.add(run.id);
        if (r.probeAppend) probeAppends.set(r.probeAppend, (probeAppends.get(r.probeAppend) ?? 0) + 1);
      }
    };

    const probeMetaCheck = async (r: Req): Promise<void> => {
      const res = await send(r);
      check(r, res);
      const now = await client.getMetadata(probe.id);
      if (res.status >= 200 && res.status < 300) {
        probeMeta = (JSON.parse(res.text) as { metadata: Record<string, unknown> }).metadata as typeof probeMeta;
        sameMeta(now, probeMeta, `probe metadata differs from the 2xx answer: ${show(r)}`);
      } else sameMeta(now, probeMeta, `probe metadata changed on ${res.status}: ${show(r)} ${res.text.slice(0, 200)}`);
    };

    const run = async (reqs: Req[]): Promise<void> => {
      const concurrent = reqs.filter((r) => !r.probeMeta);
      const results = await Promise.all(concurrent.map(async (r) => ({ r, res: await send(r).catch((e: Error) => ({ error: e })) })));
      for (const { r, res } of results) {
        if ('error' in res) throw new Error(`request failed (${res.error.message}): ${show(r)}`);
        check(r, res);
      }
      for (const r of reqs.filter((x) => x.probeMeta)) await probeMetaCheck(r);
    };

    // ---- the named oversized and hostile inputs, once each ---------------------------------------------
    const json3 = (o: unknown): string => JSON.stringify(o);
    const auth0 = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' };
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const named: Req[] = [
      { kind: 'trigger', method: 'POST', path: '/api/v1/tasks/echo/trigger', headers: auth0, body: json3({ payload: 'x'.repeat(3 * 1024 * 1024 + 10) }) },
      { kind: 'trigger', method: 'POST', path: '/api/v1/tasks/echo/trigger', headers: auth0, body: json3({ payload: 'x'.repeat(5 * 1024 * 1024) }) },
      {
        kind: 'trigger',
        method: 'POST',
        path: '/api/v1/tasks/echo/trigger',
        headers: auth0,
        body: json3({ payload: 1, options: { metadata: { big: 'x'.repeat(300 * 1024) } } }),
      },
      {
        kind: 'trigger',
        method: 'POST',
        path: '/api/v1/tasks/echo/trigger',
        headers: auth0,
        body: json3({ payload: 1, options: { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) } }),
      },
      { kind: 'trigger', method: 'POST', path: '/api/v1/tasks/echo/trigger', headers: auth0, body: json3({ payload: 1, options: { tags: ['bad\u0001tag'] } }) },
      { kind: 'trigger', method: 'POST', path: '/api/v1/tasks/echo/trigger', headers: auth0, body: `{"payload":${deep(10_000)}}` },
      { kind: 'trigger', method: 'POST', path: '/api/v1/tasks/echo/trigger', headers: auth0, body: deep(10_000) },
      {
        kind: 'trigger',
        method: 'POST',
        path: '/api/v1/tasks/echo/trigger',
        headers: auth0,
        body: `{"payload":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      },
      {
        kind: 'trigger',
        method: 'POST',
        path: '/api/v1/tasks/echo/trigger',
        headers: auth0,
        body: json3({ payload: 1, options: { metadata: JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') } }),
      },
      { kind: 'trigger', method: 'POST', path: `/api/v1/tasks/${'t'.repeat(10_000)}/trigger`, headers: auth0, body: '{}' },
      { kind: 'trigger', method: 'POST', path: '/api/v1/tasks/bad%01id/trigger', headers: auth0, body: '{}' },
      {
        kind: 'batch',
        method: 'POST',
        path: '/api/v1/tasks/batch',
        headers: auth0,
        body: json3({ items: Array.from({ length: 1001 }, () => ({ task: 'echo' })) }),
      },
      {
        kind: 'batch',
        method: 'POST',
        path: '/api/v1/tasks/batch',
        headers: auth0,
        body: json3({ items: [{ task: 'echo' }, { task: 'echo', payload: 'x'.repeat(3 * 1024 * 1024 + 10) }] }),
      },
      {
        kind: 'batch',
        method: 'POST',
        path: '/api/v1/tasks/batch',
        headers: auth0,
        body: json3({ items: [{ task: 'echo' }, { task: 'echo', options: { tags: ['t\u0000'] } }] }),
      },
      {
        kind: 'metadata',
        method: 'PUT',
        path: `/api/v1/runs/${probe.id}/metadata`,
        headers: auth0,
        body: json3({ metadata: { big: 'x'.repeat(300 * 1024) } }),
        probeMeta: true,
      },
      {
        kind: 'metadata',
        method: 'PUT',
        path: `/api/v1/runs/${probe.id}/metadata`,
        headers: auth0,
        body: json3({ metadata: { half: 'x'.repeat(200 * 1024) }, parentOperations: [{ type: 'set', key: 'other', value: 'y'.repeat(200 * 1024) }] }),
        probeMeta: true,
      },
      {
        kind: 'metadata',
        method: 'PUT',
        path: `/api/v1/runs/${probe.id}/metadata`,
        headers: auth0,
        body: '{"metadata":{"__proto__":{"polluted":true}}}',
        probeMeta: true,
      },
      {
        kind: 'metadata',
        method: 'PUT',
        path: `/api/v1/runs/${probe.id}/metadata`,
        headers: auth0,
        body: json3({ operations: [{ type: 'set', key: '$.__proto__.polluted', value: true }] }),
        probeMeta: true,
      },
      {
        kind: 'metadata',
        method: 'PUT',
        path: `/api/v1/runs/${probe.id}/metadata`,
        headers: auth0,
        body: json3({
          operations: [
            { type: 'set', key: 'constructor', value: 1 },
            { type: 'set', key: 'ok', value: 1 },
          ],
        }),
        probeMeta: true,
      },
      {
        kind: 'metadata',
        method: 'PUT',
        path: `/api/v1/runs/${probe.id}/metadata`,
        headers: auth0,
        body: json3({ operations: [{ type: 'update', value: { prototype: 1 } }] }),
        probeMeta: true,
      },
      {
        kind: 'metadata',
        method: 'PUT',
        path: `/api/v1/runs/${probe.id}/metadata`,
        headers: auth0,
        body: `{"metadata":{"a":${deep(10_000)}}}`,
        probeMeta: true,
      },
      {
        kind: 'tags',
        method: 'POST',
        path: `/api/v1/runs/${probe.id}/tags`,
        headers: auth0,
        body: json3({ tags: Array.from({ length: 11 }, (_, i) => `n${i}`) }),
      },
      { kind: 'tags', method: 'POST', path: `/api/v1/runs/${probe.id}/tags`, headers: auth0, body: json3({ tags: ['t\u001b[31m'] }) },
      { kind: 'append', method: 'POST', path: `/realtime/v1/streams/${probe.id}/self/k1/append`, headers: auth0, body: json3('x'.repeat(1536 * 1024)) },
      {
        kind: 'append',
        method: 'POST',
        path: `/realtime/v1/streams/${probe.id}/self/k1/append`,
        headers: { ...auth0, 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(1536 * 1024),
      },
      { kind: 'append', method: 'POST', path: `/realtime/v1/streams/${probe.id}/self/k1/append`, headers: auth0, body: deep(10_000) },
      { kind: 'append', method: 'POST', path: `/realtime/v1/streams/${probe.id}/self/bad%01key/append`, headers: auth0, body: '1' },
      { kind: 'append', method: 'POST', path: `/realtime/v1/streams/${probe.id}/self/%24logs/append`, headers: auth0, body: '1' },
      { kind: 'append', method: 'POST', path: `/realtime/v1/streams/${probe.id}/self/${'k'.repeat(200)}/append`, headers: auth0, body: '1' },
      {
        kind: 'feed-runs',
        method: 'GET',
        path: `/realtime/v1/runs?tags=${encodeURIComponent(Array.from({ length: 11 }, (_, i) => `t${i}`).join(','))}`,
        headers: auth0,
        sse: true,
      },
      { kind: 'feed-runs', method: 'GET', path: `/realtime/v1/runs?tags=a%01b`, headers: auth0, sse: true },
      { kind: 'feed-runs', method: 'GET', path: `/realtime/v1/runs?tags=probe&createdAt=99999999999999999999d`, headers: auth0, sse: true },
      { kind: 'feed-stream', method: 'GET', path: `/realtime/v1/streams/${probe.id}/k1`, headers: { ...auth0, 'last-event-id': 'garbage' }, sse: true },
      { kind: 'random-path', method: 'GET', path: `/api/v3/runs/%E0%A4%A`, headers: auth0 },
      { kind: 'random-path', method: 'GET', path: `/api/v3/runs/${'%00'.repeat(2000)}`, headers: auth0 },
      { kind: 'retrieve', method: 'GET', path: `/api/v3/runs/${probe.id}`, headers: { authorization: `Bearer ${'x'.repeat(20_000)}` } },
    ];
    for (const r of named) {
      if (r.probeMeta) await probeMetaCheck(r);
      else await run([r]);
    }
    const namedCases = cases;

    // Tasks that misuse streams and metadata from inside a run fail readably; the engine goes on.
    const misuse: [string, RegExp][] = [
      ['big-chunk', /chunk/i],
      ['bad-key', /key/i],
      ['big-meta', /metadata/i],
    ];
    for (const [task, message] of misuse) {
      const { id } = await client.trigger(task, {});
      knownRuns.add(id);
      const final = (await followRun(client, id, 30_000)).at(-1)!;
      assert.equal(final.status, 'FAILED', `${task}: ${JSON.stringify(final.error)}`);
      assert.match(final.error?.message ?? '', message, `${task}: ${final.error?.message}`);
    }
    const proto = await client.trigger('proto-meta', {});
    knownRuns.add(proto.id);
    const protoFinal = (await followRun(client, proto.id, 30_000)).at(-1)!;
    assert.ok(protoFinal.status === 'COMPLETED' || protoFinal.status === 'FAILED', protoFinal.status);
    if (protoFinal.status === 'COMPLETED') assert.deepEqual(protoFinal.output, { polluted: false });

    // ---- the random cases (FUZZ_SEED=<n> replays a run) ---------------------------------------------------
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x100000000);
    await fc.assert(
      fc.asyncProperty(fc.array(requests, { minLength: BATCH, maxLength: BATCH }), async (reqs) => {
        await run(reqs);
      }),
      { numRuns: RUNS, endOnFailure: true, seed },
    );

    // ---- the engine is alive, nothing partial was stored --------------------------------------------------
    assert.equal(engine.child.exitCode, null, 'engine process exited');
    assert.equal(engine.child.signalCode, null, 'engine process was killed');
    const health = await fetch(`${engine.url}/healthz`, { headers: { authorization: `Bearer ${SECRET}` } });
    assert.equal(health.status, 200);

    const stored = await allRunIds();
    const unknown = [...stored].filter((id) => !knownRuns.has(id));
    assert.deepEqual(unknown.slice(0, 5), [], `${unknown.length} runs stored without a 2xx trigger`);
    const missing = [...knownRuns].filter((id) => !stored.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} runs answered 2xx but not stored`);
    sameMeta(await client.getMetadata(probe.id), probeMeta, 'probe metadata at the end');
    const probeRun = await client.retrieveRun(probe.id);
    assert.ok(probeRun.tags.length <= 10, `probe has ${probeRun.tags.length} tags`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    // The probe's streams hold exactly the acknowledged appends, numbered without a gap.
    await client.cancelRun(probe.id);
    for (const key of ['k1', 'k2']) {
      let n = 0;
      for await (const c of client.subscribeToStream(probe.id, key, { signal: AbortSignal.timeout(20_000) })) {
        assert.equal(c.idx, n, `${key}: chunk ${n}`);
        n++;
      }
      assert.equal(n, probeAppends.get(key) ?? 0, `${key}: chunks stored vs appends acknowledged`);
    }

    const ms = Date.now() - started;
    const h = [...hist.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    const n4 = [...hist.entries()].filter(([s]) => s >= 400).reduce((a, [, n]) => a + n, 0);
    const n2 = [...hist.entries()].filter(([s]) => s < 300).reduce((a, [, n]) => a + n, 0);
    console.log(`fuzz: cases=${cases} (${namedCases} named), 5xx=0, 4xx=${n4}, 2xx=${n2}, engine alive; ${ms} ms; runs stored=${stored.size}; seed=${seed}`);
    console.log(`fuzz: statuses ${h}`);
    console.log(`fuzz: by kind (2xx/4xx) ${[...kinds.entries()].map(([k, v]) => `${k}=${v.ok}/${v.refused}`).join(', ')}`);
    console.log(
      `fuzz: codes ${[...codes.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c}=${n}`)
        .join(', ')}`,
    );
    assert.ok(cases >= 10_000, `cases=${cases}`);
  });

  async function allRunIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await engine.client.listRuns({ pageSize: 1000, after });
      page.data.forEach((r: Run) => ids.add(r.id));
      if (!page.pagination.next) return ids;
      after = page.pagination.next;
    }
  }
});

function show(r: Req): string {
  const body = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : `<${r.body.length} bytes>`;
  const shown = body.length > 200 ? `${body.slice(0, 200)}…(${body.length})` : body;
  return `${r.method} ${r.path.length > 200 ? `${r.path.slice(0, 200)}…` : r.path} ${JSON.stringify(r.headers).slice(0, 200)} ${shown}`;
}

/** Deep equality with a short message (metadata may be hundreds of KB). */
function sameMeta(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) assert.fail(`${message}\n  actual:   ${a.slice(0, 300)} (${a.length} chars)\n  expected: ${e.slice(0, 300)} (${e.length} chars)`);
}

function leid(l: string | undefined): Record<string, string> {
  return l === undefined ? {} : { 'last-event-id': l };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
