import type { MetadataOperation } from '../protocol/api';
import type { WaitOn, WaitedRun, WaitedToken } from '../protocol/ipc';
import type { MetadataTarget } from '../sdk/task/metadataManager';
import type { LogLevel, RuntimeTransport } from '../sdk/task/runtime';
import type { IpcChannel } from './ipc';
import { describeError } from '../shared/errors';

const MAX_LINES_PER_MESSAGE = 500;
const MAX_LINE_CHARS = 64 * 1024;

/**
 * The SDK's transport for one attempt over the worker's IPC channel. Log lines are batched per
 * tick into one `logs` message; everything else is a request acknowledged by the engine.
 */
export class IpcTransport implements RuntimeTransport {
  private lines: { level: LogLevel; message: string }[] = [];
  private scheduled = false;
  private waits = 0;

  constructor(
    private readonly channel: IpcChannel,
    private readonly attemptId: string,
  ) {}

  sendMetadata(target: MetadataTarget, operations: MetadataOperation[]): Promise<void> {
    return this.channel.request({ type: 'metadata', attemptId: this.attemptId, target, operations });
  }

  sendChunks(target: string, key: string, bodies: string[]): Promise<void> {
    return this.channel.request({ type: 'chunks', attemptId: this.attemptId, target, key, bodies });
  }

  sendTags(tags: string[]): Promise<void> {
    return this.channel.request({ type: 'tags', attemptId: this.attemptId, tags });
  }

  async wait(on: WaitOn): Promise<WaitedRun[] | undefined> {
    return (await this.park(on)).runs;
  }

  async waitForToken(tokenId: string): Promise<WaitedToken> {
    const { token } = await this.park({ kind: 'token', tokenId });
    if (!token) throw new Error(`wait.forToken(): the engine resumed the run without the result of wait token ${tokenId}`);
    return token;
  }

  /** Asks the engine to park the run until `on`; resolves with the `resume` that ends the wait. */
  private async park(on: WaitOn): Promise<{ runs?: WaitedRun[]; token?: WaitedToken }> {
    const waitId = `${this.attemptId}:${++this.waits}`;
    // Listening before asking: the resume may follow the ack at once.
    const resumed = this.channel.resumed(waitId);
    this.flushLogs();
    try {
      await this.channel.request({ type: 'wait', attemptId: this.attemptId, waitId, on });
    } catch (err) {
      this.channel.forgetResume(waitId);
      throw err;
    }
    return resumed;
  }

  log(level: LogLevel, message: string): void {
    const text = message.length > MAX_LINE_CHARS ? `${message.slice(0, MAX_LINE_CHARS)}… (truncated)` : message;
    this.lines.push({ level, message: text });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flushLogs());
  }

  /** Sends the buffered log lines now. */
  flushLogs(): void {
    this.scheduled = false;
    while (this.lines.length > 0) {
      const lines = this.lines.splice(0, MAX_LINES_PER_MESSAGE);
      try {
        this.channel.send({ type: 'logs', attemptId: this.attemptId, lines });
      } catch (err) {
        process.stderr.write(`runlight worker: could not send log lines: ${describeError(err)}\n`);
      }
    }
  }
}
