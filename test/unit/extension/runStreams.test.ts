import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineClient } from '../../../src/client/api';
import { RunPanelModel } from '../../../src/extension/panel/panelModel';
import { RunStreams } from '../../../src/extension/panel/runStreams';
import { encodeChunk } from '../../../src/protocol/chunk';

/** Stream feeds on 127.0.0.1: `/realtime/v1/streams/:run/:key`, `id: <idx>` per chunk, `event: end` when told. */
function streamServer() {
  const chunks = new Map<string, string[]>();
  const ended = new Set<string>();
  const open = new Map<string, Set<ServerResponse>>();
  const requests: { key: string; lastEventId?: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/realtime\/v1\/streams\/([^/]+)\/([^/?]+)/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    const key = decodeURIComponent(m[2]!);
    const last = req.headers['last-event-id'];
    requests.push({ key, lastEventId: typeof last === 'string' ? last : undefined });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const from = typeof last === 'string' ? Number(last) + 1 : 0;
    (chunks.get(key) ?? []).slice(from).forEach((body, i) => res.write(`id: ${from + i}\ndata: ${body}\n\n`));
    if (ended.has(key)) return void res.end('event: end\ndata: {}\n\n');
    if (!open.has(key)) open.set(key, new Set());
    open.get(key)!.add(res);
    req.on('close', () => open.get(key)?.delete(res));
  });
  return {
    server,
    requests,
    push(key: string, value: unknown) {
      const list = chunks.get(key) ?? [];
      chunks.set(key, list);
      list.push(encodeChunk(value));
      for (const r of open.get(key) ?? []) r.write(`id: ${list.length - 1}\ndata: ${list.at(-1)}\n\n`);
    },
    end(key: string) {
      ended.add(key);
      for (const r of open.get(key) ?? []) r.end('event: end\ndata: {}\n\n');
    },
    drop() {
      for (const set of open.values()) for (const r of set) r.socket?.destroy();
    },
    async listen() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('RunStreams (a panel follows its run streams and logs)', () => {
  it('appends chunks and log lines, ends at `event: end`, resumes from the next index on a new client', async () => {
    const srv = streamServer();
    const url = await srv.listen();
    const model = new RunPanelModel('run_1');
    let changes = 0;
    const streams = new RunStreams('run_1', model, () => changes++, { warn: () => undefined });
    try {
      streams.setClient(new EngineClient({ baseURL: url, accessToken: 'k' }));
      streams.ensure('answer');
      streams.ensure('$logs');
      srv.push('answer', 'Hel');
      srv.push('answer', { choices: [{ delta: { content: 'lo' } }] });
      srv.push('$logs', { level: 'info', message: 'started', time: '2026-01-01T00:00:00Z' });
      await until(() => model.nextIdx('answer') === 2 && model.snapshot().logs.length === 1, 'first chunks');
      assert.deepEqual(
        model.snapshot().streams[0]!.items.map((i) => i.kind),
        ['text', 'json'],
      );
      assert.equal(model.snapshot().logs[0]!.message, 'started');
      assert.ok(changes > 0);

      // The engine goes away and comes back (new client): the stream resumes after what it holds.
      srv.push('answer', ' world');
      await until(() => model.nextIdx('answer') === 3, 'third chunk');
      const before = srv.requests.length;
      streams.setClient(new EngineClient({ baseURL: url, accessToken: 'k' }));
      await until(() => srv.requests.filter((r) => r.key === 'answer').length >= 2 && srv.requests.length > before, 'resubscribe');
      const resumed = srv.requests.filter((r) => r.key === 'answer').at(-1)!;
      assert.equal(resumed.lastEventId, '2', 'asks for chunks after index 2');
      srv.push('answer', '!');
      srv.end('answer');
      await until(() => model.snapshot().streams[0]!.ended === true, 'end');
      assert.equal(model.nextIdx('answer'), 4);
      const texts = model.snapshot().streams[0]!.items.map((i) => (i.kind === 'text' ? i.text : '·'));
      assert.deepEqual(texts, ['Hel', '·', ' world', '!'], 'no duplicate, no gap');
    } finally {
      streams.dispose();
      await srv.close();
    }
  });
});
