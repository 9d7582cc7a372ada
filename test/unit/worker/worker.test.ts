import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeChunk } from '../../../src/protocol/chunk';
import type { MetadataOperation } from '../../../src/protocol/api';
import type { WorkerToEngine } from '../../../src/protocol/ipc';
import { applyMetadataOperation } from '../../../src/shared/metadata';
import type { JsonObject } from '../../../src/shared/json';
import superjson from 'superjson';
import { FakeEngine, fixtureBundle, type Recorded } from './support';

type Chunks = Extract<WorkerToEngine, { type: 'chunks' }>;
type Meta = Extract<WorkerToEngine, { type: 'metadata' }>;

function chunksOf(messages: Recorded[], key: string): unknown[] {
  return messages
    .map((r) => r.msg)
    .filter((m): m is Chunks => m.type === 'chunks' && m.key === key)
    .flatMap((m) => m.bodies.map(decodeChunk));
}

function metadataMessages(messages: Recorded[]): Array<Recorded & { msg: Meta }> {
  return messages.filter((r): r is Recorded & { msg: Meta } => r.msg.type === 'metadata');
}

function logLines(messages: Recorded[]): Array<{ level: string; message: string }> {
  return messages.flatMap((r) => (r.msg.type === 'logs' ? r.msg.lines : []));
}

describe('task worker (real forked dist/worker.js)', function () {
  this.timeout(120_000);
  let engine: FakeEngine;
  let basic: string;
  let schema: string;

  before(async () => {
    basic = await fixtureBundle('trigger/basic.ts');
    schema = await fixtureBundle('trigger/schema.ts');
    engine = await FakeEngine.start();
  });
  after(async () => {
    await engine?.close();
  });
  afterEach(() => {
    assert.deepEqual(engine.invalid, [], 'the worker sent a message that does not match WorkerToEngine');
    engine.refuse = () => undefined;
    engine.ackDelayMs = 0;
  });

  it('runs a task with (payload, { ctx }) and the workspace .env, and reports its output', async () => {
    const { end } = await engine.execute({ taskId: 'hello', bundlePath: basic, payload: { name: 'Ada' }, tags: ['t1'], attempt: 2, runId: 'run_hello' });
    assert.equal(end.type, 'completed');
    assert.deepEqual(end.type === 'completed' && end.output, {
      greeting: 'hello Ada',
      runId: 'run_hello',
      tags: ['t1'],
      attempt: 2,
      taskId: 'hello',
      exportName: 'hello',
      envFromDotEnv: 'from .env',
    });
  });

  it('flushes metadata within 100 ms of a change, collapsed, in order, and once more at the end', async () => {
    const { end, messages, sentAt } = await engine.execute({ taskId: 'metadata-progress', bundlePath: basic, metadata: { initial: 1 } });
    assert.equal(end.type, 'completed');
    const metas = metadataMessages(messages);
    assert.ok(metas.length >= 3, `expected ≥ 3 metadata flushes, got ${metas.length}`);
    // The task sleeps 400 ms after its first two changes: they must go out on the timer, not at the end.
    assert.ok(metas[0]!.at - sentAt < 350, `first flush after ${Math.round(metas[0]!.at - sentAt)} ms`);
    assert.deepEqual(metas[0]!.msg.operations, [
      { type: 'set', key: 'status', value: 'started' },
      { type: 'set', key: 'progress', value: 0 },
    ]);
    assert.deepEqual(metas[1]!.msg.operations, [
      { type: 'increment', key: 'count', value: 5 },
      { type: 'append', key: 'log', value: 'a' },
      { type: 'append', key: 'log', value: 'b' },
      { type: 'remove', key: 'log', value: 'a' },
      { type: 'set', key: '$.nested.deep', value: true },
    ]);
    assert.ok(metas.every((m) => m.msg.target === 'self'));
    // The engine applying the flushed operations ends where the task's local copy ended.
    let applied: JsonObject = { initial: 1 };
    for (const m of metas) for (const op of m.msg.operations as MetadataOperation[]) applied = applyMetadataOperation(applied, op);
    assert.deepEqual(applied, { initial: 1, status: 'done', count: 5, log: ['b'], nested: { deep: true } });
    const out = end.type === 'completed' ? (end.output as { current: unknown; get: unknown }) : undefined;
    assert.deepEqual(out?.current, { initial: 1, status: 'started', progress: 0, count: 5, log: ['b'], nested: { deep: true } });
    assert.equal(out?.get, 'done');
    // completed comes after the last metadata message
    assert.ok(messages.findIndex((r) => r.msg.type === 'completed') > messages.indexOf(metas[metas.length - 1]!));
  });

  it('sends stream chunks in order, batched per tick, for values, objects, binary and byte streams', async () => {
    const { end, messages } = await engine.execute({ taskId: 'streams-task', bundlePath: basic });
    assert.equal(end.type, 'completed');
    assert.deepEqual(end.type === 'completed' && end.output, { seen: [0, 1, 2, 3, 4] });
    assert.deepEqual(
      chunksOf(messages, 'numbers'),
      Array.from({ length: 50 }, (_, i) => i),
    );
    const numberBatches = messages.filter((r) => r.msg.type === 'chunks' && r.msg.key === 'numbers');
    assert.equal(numberBatches.length, 1, '50 appends in one tick make one chunks message');
    assert.deepEqual(
      chunksOf(messages, 'objects'),
      [0, 1, 2, 3, 4].map((i) => ({ i, text: `part ${i}` })),
    );
    assert.deepEqual(chunksOf(messages, 'bin'), [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5]), new Uint8Array(Buffer.from('hi'))]);
    assert.deepEqual(chunksOf(messages, 'bytes'), [new Uint8Array([9, 8]), new Uint8Array([7])]);
    assert.deepEqual(chunksOf(messages, 'text'), ['plain string']);
    assert.deepEqual(chunksOf(messages, 'default'), [{ json: true }]);
    // Not awaited by the task: the end of the attempt waited for it.
    assert.deepEqual(chunksOf(messages, 'late'), ['late chunk']);
    const lastChunk = messages.map((r) => r.msg.type).lastIndexOf('chunks');
    assert.ok(messages.findIndex((r) => r.msg.type === 'completed') > lastChunk);
    assert.ok(messages.every((r) => r.msg.type !== 'chunks' || r.msg.target === 'self'));
  });

  it('waits for the engine to ack every chunk before waitUntilComplete resolves and the run completes', async () => {
    engine.ackDelayMs = 150;
    const { end, messages } = await engine.execute({ taskId: 'writer-task', bundlePath: basic });
    assert.equal(end.type, 'completed');
    assert.deepEqual(chunksOf(messages, 'w'), ['first', 'merged', 'last']);
    assert.deepEqual(chunksOf(messages, 'typed'), [{ n: 1 }]);
    const typedAt = messages.find((r) => r.msg.type === 'chunks' && r.msg.key === 'typed')!.at;
    const lastW = messages.filter((r) => r.msg.type === 'chunks' && r.msg.key === 'w').pop()!.at;
    assert.ok(typedAt - lastW >= 140, 'the task went on only after the writer batch was acked');
  });

  it('pipes an OpenAI completion stream as its JSON chunk objects', async () => {
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const parts = ['Hel', 'lo', ' world'];
      parts.forEach((content, i) => {
        const chunk = {
          id: 'chatcmpl-1',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [{ index: 0, delta: { content }, finish_reason: null }],
        };
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        void i;
      });
      res.end('data: [DONE]\n\n');
      req.resume();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const bundle = await fixtureBundle('trigger/openai.ts');
      const { end, messages } = await engine.execute({
        taskId: 'openai-chat',
        bundlePath: bundle,
        payload: { baseURL: `http://127.0.0.1:${port}/v1`, prompt: 'hi' },
      });
      assert.equal(end.type, 'completed', JSON.stringify(end));
      assert.deepEqual(end.type === 'completed' && end.output, { text: 'Hello world' });
      const answer = chunksOf(messages, 'answer') as Array<{ object: string; choices: Array<{ delta: { content: string } }> }>;
      assert.equal(answer.length, 3);
      assert.ok(answer.every((c) => c.object === 'chat.completion.chunk'));
      assert.deepEqual(
        answer.map((c) => c.choices[0]!.delta.content),
        ['Hel', 'lo', ' world'],
      );
    } finally {
      server.close();
    }
  });

  it('reports a thrown error with its source-mapped stack, after flushing metadata', async () => {
    const { end, messages } = await engine.execute({ taskId: 'fails', bundlePath: basic });
    assert.equal(end.type, 'failed');
    if (end.type !== 'failed') return;
    assert.equal(end.error.name, 'Error');
    assert.equal(end.error.message, 'task exploded');
    assert.match(end.error.stackTrace ?? '', /deepThrow/);
    assert.match(end.error.stackTrace ?? '', /trigger[\\/]basic\.ts:\d+/);
    assert.equal(end.retryable, true);
    assert.deepEqual(
      metadataMessages(messages).flatMap((m) => m.msg.operations),
      [{ type: 'set', key: 'before', value: 'failure' }],
    );
  });

  it('rebuilds a superjson payload before run, and reports an output with Dates, BigInts, Sets, Maps as JSON + meta', async () => {
    const sent = superjson.serialize({
      at: new Date(0),
      big: 7n,
      tags: new Set(['a']),
      byName: new Map([['x', 1]]),
      url: new URL('https://x.test/'),
      re: /a+/g,
      gone: undefined,
    });
    const { end } = await engine.execute({ taskId: 'typed-output', bundlePath: basic, payload: sent.json, payloadMeta: sent.meta });
    assert.equal(end.type, 'completed', JSON.stringify(end));
    if (end.type !== 'completed') return;
    const output = superjson.deserialize<Record<string, unknown>>({ json: end.output as never, meta: end.outputMeta as never });
    assert.deepEqual(output.seen, { at: 'Date', big: 'bigint', tags: 'Set', byName: 'Map', url: 'URL', re: 'RegExp', gone: 'undefined' });
    assert.deepEqual(output.at, new Date('2026-01-02T03:04:05.000Z'));
    assert.equal(output.big, 12345678901234567890n);
    assert.deepEqual(output.set, new Set(['a', 'b']));
    assert.deepEqual(output.map, new Map([['x', 1]]));
    assert.ok('missing' in output && output.missing === undefined);
    assert.deepEqual(end.output && typeof end.output === 'object' && !Array.isArray(end.output) ? end.output.big : undefined, '12345678901234567890');
  });

  it('fails without retry a payload whose superjson meta does not fit it', async () => {
    const { end } = await engine.execute({ taskId: 'typed-output', bundlePath: basic, payload: { a: 1 }, payloadMeta: { values: { a: ['map'] }, v: 1 } });
    assert.equal(end.type, 'failed');
    if (end.type !== 'failed') return;
    assert.equal(end.error.name, 'TaskPayloadParsedError');
    assert.match(end.error.message, /payload: its superjson meta does not fit its JSON/);
    assert.equal(end.retryable, false);
  });

  it('does not retry AbortTaskRunError, non-JSON output, or an unknown task', async () => {
    const aborted = await engine.execute({ taskId: 'aborts', bundlePath: basic });
    assert.equal(aborted.end.type === 'failed' && aborted.end.retryable, false);
    assert.equal(aborted.end.type === 'failed' && aborted.end.error.name, 'AbortTaskRunError');
    const bad = await engine.execute({ taskId: 'bad-output', bundlePath: basic });
    assert.equal(bad.end.type === 'failed' && bad.end.error.name, 'OutputNotSerialisableError');
    assert.equal(bad.end.type === 'failed' && bad.end.retryable, false);
    const missing = await engine.execute({ taskId: 'no-such-task', bundlePath: basic });
    assert.equal(missing.end.type === 'failed' && missing.end.error.name, 'TaskNotFoundError');
    assert.equal(missing.end.type === 'failed' && missing.end.retryable, false);
    const undef = await engine.execute({ taskId: 'undefined-output', bundlePath: basic });
    assert.equal(undef.end.type, 'completed');
    assert.ok(!('output' in undef.end));
  });

  it('fails a schemaTask with a readable, non-retryable payload error; runs it with the parsed payload', async () => {
    const ok = await engine.execute({ taskId: 'typed', bundlePath: schema, payload: { name: 'ada', count: 2, extra: 'dropped' } });
    assert.deepEqual(ok.end.type === 'completed' && ok.end.output, { doubled: 4, name: 'ADA' });
    const bad = await engine.execute({ taskId: 'typed', bundlePath: schema, payload: { name: 3, count: -1 } });
    assert.equal(bad.end.type, 'failed');
    if (bad.end.type !== 'failed') return;
    assert.equal(bad.end.error.name, 'TaskPayloadParsedError');
    assert.equal(bad.end.retryable, false);
    assert.match(bad.end.error.message, /Invalid payload for task "typed"/);
    assert.match(bad.end.error.message, /name: /);
    assert.match(bad.end.error.message, /count: /);
  });

  it('captures console output and logger lines as log messages, before the end', async () => {
    const { end, messages } = await engine.execute({ taskId: 'console-out', bundlePath: basic });
    assert.equal(end.type, 'completed');
    assert.deepEqual(logLines(messages), [
      { level: 'log', message: 'hello { a: 1 } 42' },
      { level: 'info', message: 'info line' },
      { level: 'warn', message: 'warn line' },
      { level: 'error', message: 'error line' },
      { level: 'info', message: 'logger line {"k":"v"}' },
      { level: 'debug', message: 'debug line' },
    ]);
    const logsAt = messages.map((r) => r.msg.type).lastIndexOf('logs');
    assert.ok(messages.findIndex((r) => r.msg.type === 'completed') > logsAt);
    assert.ok(messages.filter((r) => r.msg.type === 'logs').length <= 2, 'lines of one tick travel in one message');
  });

  it('fails the attempt on an unhandled rejection or uncaught exception, and stays usable', async () => {
    const t0 = performance.now();
    const rejected = await engine.execute({ taskId: 'unhandled', bundlePath: basic });
    assert.equal(rejected.end.type, 'failed');
    assert.equal(rejected.end.type === 'failed' && rejected.end.error.message, 'rejected in the background');
    assert.ok(performance.now() - t0 < 4000, 'failed at once, not when the task would have ended');
    const thrown = await engine.execute({ taskId: 'uncaught', bundlePath: basic });
    assert.equal(thrown.end.type === 'failed' && thrown.end.error.message, 'thrown in a timer');
    const next = await engine.execute({ taskId: 'hello', bundlePath: basic, payload: { name: 'again' } });
    assert.equal(next.end.type, 'completed');
  });

  it('adds tags and targets parent/root metadata (falling back to self without a parent)', async () => {
    const tagged = await engine.execute({ taskId: 'tags-task', bundlePath: basic, tags: ['zero'] });
    assert.deepEqual(tagged.end.type === 'completed' && tagged.end.output, ['zero', 'one', 'two', 'three']);
    assert.deepEqual(
      tagged.messages.flatMap((r) => (r.msg.type === 'tags' ? [r.msg.tags] : [])),
      [['one', 'two'], ['three']],
    );
    const child = await engine.execute({ taskId: 'parent-metadata', bundlePath: basic, parentRunId: 'run_parent', rootRunId: 'run_root' });
    assert.equal(child.end.type, 'completed');
    const byTarget = Object.fromEntries(metadataMessages(child.messages).map((m) => [m.msg.target, m.msg.operations]));
    assert.deepEqual(byTarget.parent, [
      { type: 'set', key: 'child', value: 'done' },
      { type: 'increment', key: 'children', value: 1 },
    ]);
    assert.deepEqual(byTarget.root, [{ type: 'append', key: 'events', value: 'child-finished' }]);
    const orphan = await engine.execute({ taskId: 'parent-metadata', bundlePath: basic });
    assert.deepEqual(
      metadataMessages(orphan.messages).map((m) => m.msg.target),
      ['self'],
    );
  });

  it('rejects the awaiting SDK call when the engine acks with an error', async () => {
    engine.refuse = (m) => (m.type === 'chunks' && m.key === 'refused-key' ? 'run is already finished' : undefined);
    const { end } = await engine.execute({ taskId: 'refused', bundlePath: basic });
    assert.deepEqual(end.type === 'completed' && end.output, 'refused: run is already finished');
  });

  it('throws on metadata over 256 KB and sleeps with wait.for', async () => {
    const big = await engine.execute({ taskId: 'too-big', bundlePath: basic });
    assert.match(String(big.end.type === 'completed' && big.end.output), /^MetadataTooLargeError: metadata would be \d+ bytes, over the 262144-byte limit/);
    const waited = await engine.execute({ taskId: 'waits', bundlePath: basic });
    assert.ok(Number(waited.end.type === 'completed' && waited.end.output) >= 195);
    const asked = waited.messages.map((r) => r.msg).find((m) => m.type === 'wait');
    assert.equal(asked?.type === 'wait' && asked.on.kind, 'time', 'the worker asks the engine to wait (its run is WAITING meanwhile)');
  });

  it('runs one attempt at a time and ignores invalid messages', async () => {
    engine.sendRaw({ type: 'execute', nonsense: true });
    engine.sendRaw('garbage');
    const first = engine.execute({ taskId: 'waits', bundlePath: basic });
    const second = await engine.execute({ taskId: 'hello', bundlePath: basic, payload: { name: 'x' } });
    assert.equal(second.end.type === 'failed' && second.end.error.name, 'WorkerBusy');
    assert.equal(second.end.type === 'failed' && second.end.retryable, true);
    assert.equal((await first).end.type, 'completed');
    assert.match(engine.stderr, /ignored an invalid message/);
  });
});
