// IPC-relay SSE baseline: the least any design that runs task code in its own process pays per chunk. A child
// process (forked with an IPC channel, as the engine forks its workers) stamps and serialises each chunk and sends
// it over IPC; this process writes it to its subscribers as an SSE event, with nothing in between (no store, no
// validation, no batching). Same routes as raw-server.mjs: GET /sse subscribes; POST /start?mode=paced&n=&rate=&pad=
// has the child emit n chunks at `rate` per second.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.argv[2] === 'child') {
  // The "task": paced appends, each stamped when it is made, as streams.append does in the engine's worker.
  process.on('message', async ({ n, rate, pad }) => {
    const start = now();
    for (let i = 0; i < n; i++) {
      const due = start + (i * 1000) / rate;
      const d = due - now();
      if (d > 0) await sleep(d);
      process.send({ i, body: JSON.stringify({ i, t: now(), p: pad }) });
    }
    process.send({ end: true });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const subs = new Set();
  const child = fork(fileURLToPath(import.meta.url), ['child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  const writeAll = (text) => {
    for (const res of subs) res.write(text);
  };
  child.on('message', async (m) => {
    if (!m.end) return writeAll(`id: ${m.i}\ndata: ${m.body}\n\n`);
    const waits = [];
    for (const res of subs) if (res.writableNeedDrain) waits.push(new Promise((r) => res.once('drain', r)));
    await Promise.all(waits);
    writeAll('event: end\ndata: {}\n\n');
    for (const res of subs) res.end();
    subs.clear();
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.socket?.setNoDelay(true);
      res.write(': connected\n\n');
      subs.add(res);
      res.on('close', () => subs.delete(res));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/start' && url.searchParams.get('mode') === 'paced') {
      res.end('ok');
      child.send({ n: Number(url.searchParams.get('n')), rate: Number(url.searchParams.get('rate')), pad: url.searchParams.get('pad') ?? '' });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
  process.on('SIGTERM', () => {
    child.kill();
    process.exit(0);
  });
}
