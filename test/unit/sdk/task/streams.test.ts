import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { decodeChunk } from '../../../../src/protocol/chunk';
import { BINARY_MARKER } from '../../../../src/shared/streams';
import { LIMITS } from '../../../../src/protocol/api';
import { streams } from '../../../../src/sdk';
import { ChunkSender } from '../../../../src/sdk/task/chunkSender';
import { encodeStreamValue } from '../../../../src/sdk/task/pipe';
import { AttemptRuntime, runWithRuntime, type RuntimeTransport } from '../../../../src/sdk/task/runtime';

interface Sent {
  target: string;
  key: string;
  bodies: string[];
}

class FakeTransport implements RuntimeTransport {
  sent: Sent[] = [];
  acked = 0;
  ackDelayMs = 0;
  refuse: ((s: Sent) => string | undefined) | undefined;
  async sendMetadata(): Promise<void> {}
  async sendChunks(target: string, key: string, bodies: string[]): Promise<void> {
    const s = { target, key, bodies: [...bodies] };
    this.sent.push(s);
    if (this.ackDelayMs) await new Promise((r) => setTimeout(r, this.ackDelayMs));
    const err = this.refuse?.(s);
    if (err) throw new Error(err);
    this.acked += bodies.length;
  }
  async sendTags(): Promise<void> {}
  log(): void {}
  values(key: string): unknown[] {
    return this.sent.filter((s) => s.key === key).flatMap((s) => s.bodies.map(decodeChunk));
  }
}

function runtime(t: FakeTransport, run: { parentTaskRunId?: string; rootTaskRunId?: string } = {}): AttemptRuntime {
  return new AttemptRuntime({
    ctx: {
      run: { id: 'run_self', tags: [], isTest: false, ...run },
      attempt: { id: 'att', number: 1 },
      task: { id: 't' },
      queue: { id: 'task/t', name: 'task/t' },
      environment: { id: 'local', slug: 'dev', type: 'DEVELOPMENT' },
      machine: { name: 'local' },
    },
    transport: t,
    metadata: {},
  });
}

async function* objects(n: number, delayMs = 0) {
  for (let i = 0; i < n; i++) {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    yield { i };
  }
}

describe('SDK streams', () => {
  it('encodes every kind of chunk so it decodes back', () => {
    const cases: Array<[unknown, unknown]> = [
      ['text', 'text'],
      ['', ''],
      [42, 42],
      [null, null],
      [undefined, null],
      [true, true],
      [{ a: [1, { b: 'c' }] }, { a: [1, { b: 'c' }] }],
      [
        [1, 'two'],
        [1, 'two'],
      ],
      [new Uint8Array([0, 255, 7]), new Uint8Array([0, 255, 7])],
      [new Uint8Array([1, 2, 3, 4]).buffer, new Uint8Array([1, 2, 3, 4])],
      [Buffer.from('héllo'), new Uint8Array(Buffer.from('héllo'))],
      [new Uint16Array([1, 256]), new Uint8Array(new Uint16Array([1, 256]).buffer)],
      [new DataView(new Uint8Array([5, 6, 7]).buffer, 1, 2), new Uint8Array([6, 7])],
      [new Uint8Array(0), new Uint8Array(0)],
    ];
    for (const [input, expected] of cases) assert.deepEqual(decodeChunk(encodeStreamValue(input)), expected, `for ${String(input)}`);
    assert.ok(encodeStreamValue(new Uint8Array([1])).includes(BINARY_MARKER));
    const big = new Uint8Array(300_000).map((_, i) => i % 251);
    assert.deepEqual(decodeChunk(encodeStreamValue(big)), big);
  });

  it('batches the chunks of one tick per (target, key), keeps order, and resolves after the ack', async () => {
    const t = new FakeTransport();
    t.ackDelayMs = 20;
    const sender = new ChunkSender((target, key, bodies) => t.sendChunks(target, key, bodies));
    const first = Array.from({ length: 10 }, (_, i) => sender.write('self', 'a', String(i)));
    const other = sender.write('self', 'b', '"x"');
    const parent = sender.write('run_parent', 'a', '"p"');
    await new Promise((r) => setImmediate(r));
    // while the first batch of "a" waits for its ack, later chunks gather into the next batch
    const later = Array.from({ length: 5 }, (_, i) => sender.write('self', 'a', String(10 + i)));
    await Promise.all([...first, other, parent, ...later]);
    const a = t.sent.filter((s) => s.key === 'a' && s.target === 'self');
    assert.deepEqual(
      a.map((s) => s.bodies.length),
      [10, 5],
    );
    assert.deepEqual(
      t.values('a').filter((v) => v !== 'p'),
      Array.from({ length: 15 }, (_, i) => i),
    );
    assert.equal(t.sent.filter((s) => s.target === 'run_parent').length, 1);
    assert.equal(sender.busy(), false);
    await assert.rejects(sender.write('self', 'a', 'x'.repeat(LIMITS.chunkBytes + 1)), /over the 1048576-byte limit/);
  });

  it('sends each batch without waiting for the ack of the one before, at most 8 unacknowledged per stream, in order', async () => {
    const t = new FakeTransport();
    t.ackDelayMs = 50;
    const sender = new ChunkSender((target, key, bodies) => t.sendChunks(target, key, bodies));
    const done: Promise<void>[] = [];
    for (let i = 0; i < 12; i++) {
      done.push(sender.write('self', 'a', String(i)));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(t.acked, 0, 'no ack has arrived yet');
    assert.equal(t.sent.length, 8, 'eight batches went out at once; the chunks after them wait, gathered');
    await Promise.all(done);
    assert.deepEqual(
      t.sent.map((s) => s.bodies.length),
      [1, 1, 1, 1, 1, 1, 1, 1, 4],
    );
    assert.deepEqual(
      t.values('a'),
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.equal(sender.busy(), false);
  });

  it('pipes an async iterable of objects, tee-ing it for the task, and waits for the acks', async () => {
    const t = new FakeTransport();
    t.ackDelayMs = 30;
    const rt = runtime(t);
    await runWithRuntime(rt, async () => {
      const { stream, waitUntilComplete } = streams.pipe('objs', objects(20));
      const local: unknown[] = [];
      for await (const v of stream) local.push(v);
      assert.equal(local.length, 20);
      await waitUntilComplete();
      assert.equal(t.acked, 20, 'every chunk acknowledged before waitUntilComplete resolved');
    });
    assert.deepEqual(
      t.values('objs'),
      Array.from({ length: 20 }, (_, i) => ({ i })),
    );
  });

  it('pipes ReadableStreams (values and bytes) and Node streams; the default key is "default"', async () => {
    const t = new FakeTransport();
    await runWithRuntime(runtime(t), async () => {
      const values = new ReadableStream<string>({
        start(c) {
          c.enqueue('a');
          c.enqueue('b');
          c.close();
        },
      });
      await streams.pipe(values).waitUntilComplete();
      const bytes = new ReadableStream({
        type: 'bytes',
        start(c) {
          c.enqueue(new Uint8Array([1, 2]));
          c.close();
        },
      });
      await streams.pipe('bytes', bytes).waitUntilComplete();
      await streams.pipe('node', Readable.from([Buffer.from('xy'), Buffer.from('z')])).waitUntilComplete();
      // a fetch body is a byte ReadableStream
      const body = new Response('response body').body!;
      await streams.pipe('fetch', body).waitUntilComplete();
    });
    assert.deepEqual(t.values('default'), ['a', 'b']);
    assert.deepEqual(t.values('bytes'), [new Uint8Array([1, 2])]);
    assert.deepEqual(t.values('node'), [new Uint8Array(Buffer.from('xy')), new Uint8Array(Buffer.from('z'))]);
    assert.equal(Buffer.concat((t.values('fetch') as Uint8Array[]).map((u) => Buffer.from(u))).toString(), 'response body');
  });

  it('rejects waitUntilComplete when the source fails or the engine refuses, and honours an abort signal', async () => {
    const t = new FakeTransport();
    await runWithRuntime(runtime(t), async () => {
      async function* broken() {
        yield 1;
        throw new Error('source broke');
      }
      const p = streams.pipe('broken', broken());
      await assert.rejects(p.waitUntilComplete(), /source broke/);

      t.refuse = (s) => (s.key === 'refused' ? 'run is finished' : undefined);
      await assert.rejects(streams.pipe('refused', objects(3)).waitUntilComplete(), /run is finished/);
      await assert.rejects(streams.append('refused', 'x'), /run is finished/);

      const ac = new AbortController();
      const slow = streams.pipe('slow', objects(100, 5), { signal: ac.signal });
      setTimeout(() => ac.abort(new Error('stop')), 30);
      await assert.rejects(slow.waitUntilComplete(), /stop/);
    });
    const slowCount = t.values('slow').length;
    assert.ok(slowCount > 0 && slowCount < 100, `aborted part-way (${slowCount} chunks)`);
  });

  it('append and writer accept Trigger.dev overloads; targets resolve to run ids', async () => {
    const t = new FakeTransport();
    await runWithRuntime(runtime(t, { parentTaskRunId: 'run_parent' }), async () => {
      await streams.append('just a value');
      await streams.append('k', 'value for k');
      await streams.append('to parent', { target: 'parent' });
      await streams.append('k', { obj: true }, { target: 'root' });
      await streams.append('k', 'explicit', { target: 'run_other' });
      await streams
        .writer('w', {
          execute: async ({ write, merge }) => {
            write(1);
            merge(objects(2));
            await new Promise((r) => setTimeout(r, 5));
            write(2);
          },
        })
        .waitUntilComplete();
      const defined = streams.define<string>({ id: 'defined' });
      await defined.append('d');
      await defined.pipe(objects(1) as unknown as AsyncIterable<string>).waitUntilComplete();
      assert.throws(() => streams.pipe('bad/key', objects(1)), /must not contain "\/"/);
    });
    const where = (key: string) => t.sent.filter((s) => s.key === key).map((s) => [s.target, s.bodies.map(decodeChunk)]);
    assert.deepEqual(where('default'), [
      ['self', ['just a value']],
      ['run_parent', ['to parent']],
    ]);
    // a run with a parent and no root of its own record: its parent is the root (as the engine resolves it)
    assert.deepEqual(where('k'), [
      ['self', ['value for k']],
      ['run_parent', [{ obj: true }]],
      ['run_other', ['explicit']],
    ]);
    assert.deepEqual(t.values('w'), [1, { i: 0 }, { i: 1 }, 2]);
    assert.deepEqual(t.values('defined'), ['d', { i: 0 }]);
  });

  it('throws outside a task, and the end of an attempt waits for open pipes (bounded)', async () => {
    assert.throws(() => streams.pipe(objects(1)), /inside a task/);
    const t = new FakeTransport();
    const rt = runtime(t);
    runWithRuntime(rt, () => {
      void streams.pipe('quick', objects(3, 5));
      void streams.pipe('endless', objects(1_000_000, 5));
    });
    const t0 = performance.now();
    const { aborted } = await rt.waitForStreams(300);
    assert.ok(performance.now() - t0 < 1500);
    assert.equal(aborted, 1, 'the endless pipe was stopped');
    assert.equal(t.values('quick').length, 3);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rt.openWrites(), 0, 'the stopped pipe settled');
  });
});
