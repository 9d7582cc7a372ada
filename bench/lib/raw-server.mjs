// Raw SSE baseline: a minimal node:http server writing id:/data: events, run as its own process so its
// CPU can be read from /proc and its clock is as far from the subscriber's as the engine's is.
// GET /sse subscribes; POST /start?mode=paced|burst&n=&rate=&pad=&coalesce= emits to every subscriber.
import http from 'node:http';

const subs = new Set();
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function writeAll(text) {
  for (const res of subs) res.write(text);
}

async function drainAll() {
  const waits = [];
  for (const res of subs) if (res.writableNeedDrain) waits.push(new Promise((r) => res.once('drain', r)));
  await Promise.all(waits);
}

function endAll() {
  writeAll('event: end\ndata: {}\n\n');
  for (const res of subs) res.end();
  subs.clear();
}

async function paced(n, rate, pad) {
  const start = now();
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const d = due - now();
    if (d > 0) await sleep(d);
    // One serialisation per event shared by all subscribers.
    writeAll(`id: ${i}\ndata: ${JSON.stringify({ i, t: now(), p: pad })}\n\n`);
  }
  await drainAll();
  endAll();
}

async function burst(n, pad, coalesce) {
  for (let i = 0; i < n;) {
    let out = '';
    for (let k = 0; k < coalesce && i < n; k++, i++) out += `id: ${i}\ndata: ${JSON.stringify({ i, t: now(), p: pad })}\n\n`;
    writeAll(out);
    await drainAll();
  }
  endAll();
}

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
  if (req.method === 'GET' && url.pathname === '/count') {
    res.end(String(subs.size));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/start') {
    const n = Number(url.searchParams.get('n'));
    const pad = url.searchParams.get('pad') ?? '';
    const mode = url.searchParams.get('mode');
    res.end('ok');
    if (mode === 'paced') void paced(n, Number(url.searchParams.get('rate')), pad);
    else void burst(n, pad, Number(url.searchParams.get('coalesce') ?? 64));
    return;
  }
  res.statusCode = 404;
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
