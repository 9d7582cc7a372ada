import { createServer, maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { EngineError } from '../errors';
import { errorAnswer } from './errors';
import { describeError } from '../../shared/errors';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** A tiny router: `/api/v1/runs/:id/tags` style patterns, params URL-decoded. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' +
        path
          .replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === ':' ? c : `\\${c}`))
          .replace(/:(\w+)/g, (_, k: string) => {
            keys.push(k);
            return '([^/]+)';
          }) +
        '$',
    );
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  match(method: string, pathname: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        try {
          params[k] = decodeURIComponent(m[i + 1]!);
        } catch {
          throw new EngineError('bad_url', `url: the ${k} path segment has malformed percent-encoding`);
        }
      });
      return { handler: r.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers':
    'x-trigger-jwt, x-trigger-jwt-claims, x-should-retry, electric-handle, electric-offset, electric-schema, electric-cursor, electric-up-to-date, x-stream-version, retry-after',
};

/** The headers of every JSON answer, besides its length. */
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers whatever a handler threw as `{ error: { code, message, issues? } }` (see `errorAnswer`). */
export function sendError(res: ServerResponse, e: unknown, log: (line: string) => void): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body } = errorAnswer(e, log);
  sendJson(res, status, body, retryHint(status));
}

/**
 * Official Trigger.dev clients retry a 409 (they take it for a lock timeout) and every 5xx unless told otherwise:
 * a refusal that will not change on its own says so. A 408, a 429 and a 503 may pass, so they leave the choice open.
 */
function retryHint(status: number): Record<string, string> {
  return status === 408 || status === 429 || status === 503 ? {} : { 'x-should-retry': 'false' };
}

/** Hosts allowed in the Host header: the loopback names of our own port (refuses DNS rebinding). */
function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  router: Router;
  log: (line: string) => void;
}

export async function startHttpServer(o: HttpServerOptions): Promise<{ server: Server; port: number }> {
  let port = o.port;
  /** Sockets with a response still being written: a parse error on one is not answered into that response. */
  const answering = new WeakSet<Duplex>();
  const server = createServer((req, res) => {
    answering.add(req.socket);
    res.once('close', () => answering.delete(req.socket));
    for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
    if (!hostAllowed(req.headers.host, port)) {
      sendError(res, new EngineError('forbidden_host', `Host: "${req.headers.host ?? ''}" is not this engine; use http://127.0.0.1:${port}`), o.log);
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'authorization, content-type',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      sendError(res, new EngineError('bad_url', 'url: not a valid request target'), o.log);
      return;
    }
    let m: ReturnType<Router['match']>;
    try {
      m = o.router.match(req.method ?? 'GET', url.pathname);
    } catch (e) {
      return sendError(res, e, o.log);
    }
    if (m === undefined) return sendError(res, new EngineError('not_found', `no route for ${url.pathname}`), o.log);
    if (m === 'method') return sendError(res, new EngineError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`), o.log);
    m.handler({ req, res, url, params: m.params }).catch((e: unknown) => sendError(res, e, o.log));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerUnparsable(err, socket, answering.has(socket), o.log));
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return { server, port };
}

/**
 * A request Node could not parse never reaches the router; Node's own answer has no body. This one carries the
 * same `{ error: { code, message } }` as every other refusal, then closes the connection (its framing is lost).
 * A connection still receiving an earlier response (a pipelining client) is closed without one, as Node does.
 */
function answerUnparsable(err: NodeJS.ErrnoException, socket: Duplex, midResponse: boolean, log: (line: string) => void): void {
  if (!socket.writable || midResponse || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const { status, body } = errorAnswer(
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new EngineError('headers_too_large', `headers: the request line and headers come to more than the ${maxHeaderSize}-byte limit`)
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new EngineError('request_timeout', 'request: its headers did not arrive in time')
        : new EngineError('bad_request', `request: not valid HTTP/1.1 (${err.code ?? err.message})`),
    log,
  );
  const text = JSON.stringify(body);
  const headers = { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text), ...CORS_HEADERS, connection: 'close' };
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}

/** Reads a request body up to `limit` bytes; more is a 413 naming the limit. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    throw new EngineError('body_too_large', `body: ${declared} bytes is over the ${limit}-byte limit`);
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new EngineError('body_too_large', `body: over the ${limit}-byte limit`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/** Parses a JSON body; depth is bounded so hostile nesting cannot exhaust the stack. */
export async function readJson(req: IncomingMessage, limit: number, maxDepth: number): Promise<unknown> {
  const buf = await readBody(req, limit);
  if (buf.length === 0) return {};
  const text = buf.toString('utf8');
  checkDepth(text, maxDepth);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new EngineError('invalid_json', `body: not valid JSON (${describeError(e)})`);
  }
}

function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) throw new EngineError('too_deep', `body: JSON nested deeper than ${maxDepth} levels`);
    } else if (c === 125 || c === 93) depth--;
  }
}
