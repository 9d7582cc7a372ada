import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunFeed } from '../../../src/extension/runs/runFeed';
import { RunStore } from '../../../src/extension/runs/runStore';
import type { Run } from '../../../src/protocol/run';
import { makeRun } from './fixtures';

/**
 * A small engine stand-in on 127.0.0.1: GET /api/v1/runs (list) and the SSE workspace feed
 * GET /realtime/v1/runs with `id: <seq>` events; it can drop the feed connection to force a reconnect.
 */
class FakeEngine {
  runs = new Map<string, Run>();
  events: { seq: number; run: Run }[] = [];
  listCalls = 0;
  feedRequests: { lastEventId: string | undefined; auth: string | undefined }[] = [];
  private clients = new Set<ServerResponse>();
  server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  emit(run: Run): void {
    this.runs.set(run.id, run);
    const ev = { seq: this.events.length + 1, run };
    this.events.push(ev);
    for (const c of this.clients) c.write(`id: ${ev.seq}\nevent: run\ndata: ${JSON.stringify(run)}\n\n`);
  }

  /** Cuts every open feed connection. */
  drop(): void {
    for (const c of this.clients) c.socket?.destroy();
    this.clients.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.authorization !== 'Bearer rl_dev_test') {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unauthorized', message: 'no' } }));
      return;
    }
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/api/v1/runs') {
      this.listCalls++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [...this.runs.values()], pagination: {} }));
      return;
    }
    if (url.pathname === '/realtime/v1/runs') {
      const last = req.headers['last-event-id'];
      this.feedRequests.push({ lastEventId: typeof last === 'string' ? last : undefined, auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': hello\n\n');
      const after = typeof last === 'string' ? Number(last) : 0;
      for (const ev of this.events) if (ev.seq > after) res.write(`id: ${ev.seq}\nevent: run\ndata: ${JSON.stringify(ev.run)}\n\n`);
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      return;
    }
    res.writeHead(404).end();
  }

  async stop(): Promise<void> {
    this.drop();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const quiet = { info: () => undefined, warn: () => undefined };

describe('RunFeed (one workspace subscription → RunStore)', () => {
  let engine: FakeEngine;
  let feed: RunFeed | undefined;

  beforeEach(async () => {
    engine = new FakeEngine();
    await engine.start();
  });
  afterEach(async () => {
    feed?.dispose();
    await feed?.done;
    feed = undefined;
    await engine.stop();
  });

  it('loads existing runs (reconcile), then applies live events', async () => {
    const old = makeRun({ status: 'COMPLETED' });
    engine.runs.set(old.id, old);
    const store = new RunStore();
    feed = new RunFeed(engine.url, 'rl_dev_test', store, quiet);
    await until(() => store.get(old.id) !== undefined && engine.feedRequests.length === 1, 'reconcile + subscribe');
    const live = makeRun({ status: 'EXECUTING' });
    engine.emit(live);
    await until(() => store.get(live.id)?.status === 'EXECUTING', 'live run');
    engine.emit({ ...live, status: 'COMPLETED', updatedAt: new Date(Date.parse(live.updatedAt) + 1000).toISOString() });
    await until(() => store.get(live.id)?.status === 'COMPLETED', 'live update');
  });

  it('resumes after a dropped connection with Last-Event-ID and reconciles', async () => {
    const store = new RunStore();
    feed = new RunFeed(engine.url, 'rl_dev_test', store, quiet);
    await until(() => engine.feedRequests.length === 1, 'first subscribe');
    const a = makeRun({ status: 'EXECUTING' });
    engine.emit(a);
    await until(() => store.get(a.id) !== undefined, 'first event');
    const listsBefore = engine.listCalls;
    engine.drop();
    // While disconnected, a run changes: the replay after Last-Event-ID brings it.
    const b = makeRun({ status: 'QUEUED' });
    engine.emit(b);
    await until(() => engine.feedRequests.length === 2, 'reconnect', 8000);
    assert.equal(engine.feedRequests[1]!.lastEventId, '1');
    await until(() => store.get(b.id) !== undefined, 'replayed event');
    await until(() => engine.listCalls > listsBefore, 'reconcile after reconnect');
    assert.equal(store.size, 2);
  });

  it('stops for good on dispose (no further requests)', async () => {
    const store = new RunStore();
    feed = new RunFeed(engine.url, 'rl_dev_test', store, quiet);
    await until(() => engine.feedRequests.length === 1, 'subscribe');
    feed.dispose();
    await feed.done;
    const n = engine.feedRequests.length;
    engine.drop();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(engine.feedRequests.length, n);
    assert.equal(feed.connected, false);
  });
});
