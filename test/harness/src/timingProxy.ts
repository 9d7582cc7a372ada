// A transparent HTTP proxy in front of an OpenAI-compatible server that notes when each streamed
// token passed through (Date.now()), to time tokens from the model to the webview's DOM.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';

export interface TimedToken {
  /** Date.now() when the chunk carrying it was forwarded. */
  t: number;
  text: string;
}

export interface TimingProxy {
  /** Same shape as the upstream base URL, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Tokens of chat.completion.chunk events, per streamed response, in order. */
  streams(): TimedToken[][];
  close(): Promise<void>;
}

function tokenOf(data: string): string | undefined {
  if (data === '[DONE]') return undefined;
  try {
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: unknown } }[] };
    const content = chunk.choices?.[0]?.delta?.content;
    return typeof content === 'string' && content !== '' ? content : undefined;
  } catch {
    return undefined;
  }
}

export async function startTimingProxy(upstreamBaseUrl: string): Promise<TimingProxy> {
  const upstream = new URL(upstreamBaseUrl);
  const recorded: TimedToken[][] = [];
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', upstream.origin);
    const up = request(target, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (upRes: IncomingMessage) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      const sse = String(upRes.headers['content-type'] ?? '').includes('text/event-stream');
      const tokens: TimedToken[] = [];
      if (sse) recorded.push(tokens);
      let pending = '';
      upRes.on('data', (buf: Buffer) => {
        if (sse) {
          const now = Date.now();
          pending += buf.toString('utf8');
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            if (!line.startsWith('data:')) continue;
            const text = tokenOf(line.slice(5).trim());
            if (text !== undefined) tokens.push({ t: now, text });
          }
        }
        res.write(buf);
      });
      upRes.on('end', () => res.end());
    });
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `proxy: ${err.message}` } }));
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`,
    streams: () => recorded,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Latency figures (ms) of matched tokens. */
export interface LatencyStats {
  count: number;
  min: number;
  median: number;
  p95: number;
  max: number;
}

export function latencyStats(samples: number[]): LatencyStats | undefined {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))] as number;
  return { count: s.length, min: s[0] as number, median: at(0.5), p95: at(0.95), max: s[s.length - 1] as number };
}

/**
 * Matches streamed tokens to DOM observations `[time, textLength]` (the text is the tokens'
 * concatenation): token i is shown at the first observation whose length covers tokens 0..i.
 * Tokens already shown when observing began (length ≤ the first observation's) are left out.
 */
export function tokenToDomLatencies(tokens: readonly TimedToken[], seen: readonly (readonly [number, number])[]): number[] {
  if (seen.length === 0) return [];
  const firstLength = (seen[0] as readonly [number, number])[1];
  const out: number[] = [];
  let cumulative = 0;
  let j = 0;
  for (const tok of tokens) {
    cumulative += tok.text.length;
    if (cumulative <= firstLength) continue;
    while (j < seen.length && (seen[j] as readonly [number, number])[1] < cumulative) j++;
    if (j >= seen.length) break;
    out.push((seen[j] as readonly [number, number])[0] - tok.t);
  }
  return out;
}
