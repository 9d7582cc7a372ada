import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy that forwards bytes to the engine and can cut every connection at once. The engine
 * refuses a foreign Host header (DNS rebinding), so `Host: 127.0.0.1:<proxy port>` in request heads is
 * rewritten to the engine's own host:port; everything else passes unchanged.
 */
export class CuttingProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private timer: NodeJS.Timeout | undefined;
  port = 0;
  cuts = 0;
  connections = 0;

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.accept(client));
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket): void {
    this.connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const from = new RegExp(`\\r\\nhost: 127\\.0\\.0\\.1:${this.port}\\r\\n`, 'gi');
    const to = `\r\nhost: 127.0.0.1:${this.targetPort}\r\n`;
    client.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      upstream.write(from.test(text) ? Buffer.from(text.replace(from, to), 'latin1') : d);
      from.lastIndex = 0;
    });
    upstream.pipe(client);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  }

  /** Destroys every open connection now. */
  cutAll(): void {
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
      this.cuts++;
    }
    this.pairs.clear();
  }

  /** Cuts every connection every `ms`. */
  cutEvery(ms: number): void {
    this.timer = setInterval(() => this.cutAll(), ms);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.cutAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
