import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP relay in front of Postgres that counts round trips: every simple query ('Q') and every Sync ('S', the end
 * of an extended-protocol query, which node-postgres sends once per parameterised query) is one request the client
 * waits on. Only the client → server direction is parsed (message type byte and length); bytes pass unchanged.
 */
export interface PgProxy {
  /** The target URL with host and port of the relay. */
  url: string;
  counts(): { roundTrips: number; connections: number };
  stop(): Promise<void>;
}

export async function startPgProxy(target: string): Promise<PgProxy> {
  const t = new URL(target);
  const port = Number(t.port || 5432);
  let roundTrips = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections++;
    const upstream = connect(port, t.hostname);
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (;;) {
        if (!started) {
          // StartupMessage (or SSLRequest): int32 length, no type byte.
          if (pending.length - at < 4) break;
          const len = pending.readInt32BE(at);
          if (pending.length - at < len) break;
          const code = pending.readInt32BE(at + 4);
          at += len;
          if (code !== 80877103) started = true; // not an SSLRequest: the startup proper
          continue;
        }
        if (pending.length - at < 5) break;
        const type = pending[at]!;
        const len = pending.readInt32BE(at + 1);
        if (pending.length - at < 1 + len) break;
        if (type === 0x51 /* Q */ || type === 0x53 /* S */) roundTrips++;
        at += 1 + len;
      }
      pending = pending.subarray(at);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('pg proxy: no address');
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    counts: () => ({ roundTrips, connections }),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
