import { EngineToWorker, WorkerToEngine } from '../protocol/ipc';
import { asError } from '../shared/errors';

type Outgoing = WorkerToEngine;
type Resume = Extract<EngineToWorker, { type: 'resume' }>;
/** A request message before the channel gives it its requestId. */
export type RequestBody =
  Extract<Outgoing, { requestId: string }> extends infer M ? (M extends { type: 'indexed' } ? never : M extends unknown ? Omit<M, 'requestId'> : never) : never;

export interface Port {
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Error the engine sent back in an `ack` (e.g. the run was already finished, a limit was passed). */
export class EngineRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineRefusedError';
  }
}

/**
 * The worker's side of the IPC channel: parses every incoming message with `EngineToWorker`,
 * checks every outgoing one against `WorkerToEngine`, and pairs requests with their `ack`s.
 */
export class IpcChannel {
  private readonly waiting = new Map<string, Waiter>();
  private readonly resumes = new Map<string, (msg: Resume) => void>();
  private seq = 0;

  constructor(
    private readonly port: Port,
    private readonly onMessage: (msg: Exclude<EngineToWorker, { type: 'ack' | 'resume' }>) => void,
    private readonly onInvalid: (problem: string) => void,
  ) {
    port.on('message', (raw) => this.receive(raw));
  }

  /**
   * Sends a message that needs no answer. Throws if it does not match the protocol. `sent` is called once the
   * message has been handed to the operating system (before the worker blocks, say).
   */
  send(msg: Outgoing, sent?: (error: Error | null) => void): void {
    const checked = WorkerToEngine.safeParse(msg);
    if (!checked.success) throw new TypeError(`worker message "${msg.type}" does not match the protocol: ${checked.error.issues[0]?.message ?? 'invalid'}`);
    this.port.send(checked.data, sent);
  }

  /** Sends a request and resolves on its `ack`; rejects with EngineRefusedError on an ack with error. */
  request(body: RequestBody): Promise<void> {
    const requestId = `q${++this.seq}`;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(requestId, { resolve, reject });
      try {
        this.send({ ...body, requestId } as Outgoing);
      } catch (err) {
        this.waiting.delete(requestId);
        reject(asError(err));
      }
    });
  }

  /** Resolves when the engine sends the `resume` of wait `waitId` (call before sending the wait). */
  resumed(waitId: string): Promise<Resume> {
    return new Promise((resolve) => this.resumes.set(waitId, resolve));
  }

  /** Stops waiting for the `resume` of `waitId` (the wait was refused). */
  forgetResume(waitId: string): void {
    this.resumes.delete(waitId);
  }

  /** Number of requests still waiting for their ack. */
  pending(): number {
    return this.waiting.size;
  }

  private receive(raw: unknown): void {
    const parsed = EngineToWorker.safeParse(raw);
    if (!parsed.success) {
      this.onInvalid(parsed.error.issues[0]?.message ?? 'invalid message');
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'resume') {
      const resume = this.resumes.get(msg.waitId);
      this.resumes.delete(msg.waitId);
      resume?.(msg);
      return;
    }
    if (msg.type !== 'ack') return this.onMessage(msg);
    const w = this.waiting.get(msg.requestId);
    if (!w) return;
    this.waiting.delete(msg.requestId);
    if (msg.error !== undefined) w.reject(new EngineRefusedError(msg.error));
    else w.resolve();
  }
}
