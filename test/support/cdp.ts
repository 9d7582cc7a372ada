// A small Chrome DevTools Protocol client over the `ws` package (a dev dependency: Node 20 has no global
// WebSocket), for tests that drive a worker's inspector as a debugger would.
import { createRequire } from 'node:module';

interface Socket {
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  send(text: string): void;
  close(): void;
}
type SocketClass = new (url: string) => Socket;

const WebSocket = createRequire(__filename)('ws') as SocketClass;

export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
}

export class Cdp {
  private seq = 0;
  private readonly pending = new Map<number, { method: string; resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((e: CdpEvent) => void)[] = [];
  readonly events: CdpEvent[] = [];
  closed?: string;

  private constructor(private readonly ws: Socket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString('utf8')) as { id?: number; result?: Record<string, unknown>; error?: { message: string } } & Partial<CdpEvent>;
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`${p?.method}: ${msg.error.message}`));
        else p?.resolve(msg.result ?? {});
      } else if (msg.method) {
        const e = { method: msg.method, params: msg.params ?? {} };
        this.events.push(e);
        for (const l of [...this.listeners]) l(e);
      }
    });
    ws.on('close', (code) => {
      this.closed = `the inspector closed the connection (${code})`;
      for (const p of this.pending.values()) p.reject(new Error(`${p.method}: ${this.closed}`));
      this.pending.clear();
    });
  }

  static connect(url: string): Promise<Cdp> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.on('open', () => resolve(new Cdp(ws)));
      ws.on('error', reject);
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error(`${method}: ${this.closed}`));
      this.pending.set(id, { method, resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The first event named `method` (already received, or the next), or an error after `timeoutMs`. */
  next(method: string, timeoutMs: number, after = 0): Promise<CdpEvent> {
    const seen = this.events.slice(after).find((e) => e.method === method);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.splice(this.listeners.indexOf(on), 1);
        reject(new Error(`no ${method} event within ${timeoutMs} ms${this.closed ? ` (${this.closed})` : ''}`));
      }, timeoutMs);
      const on = (e: CdpEvent): void => {
        if (e.method !== method) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(on), 1);
        resolve(e);
      };
      this.listeners.push(on);
    });
  }

  close(): void {
    this.ws.close();
  }
}
