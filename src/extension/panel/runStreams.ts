import type { EngineClient } from '../../client/api';
import { EngineApiError, isAbortError } from '../../client/errors';
import { LOG_STREAM_KEY } from '../../shared/streams';
import type { IDisposable } from '../lifecycle';
import { toLogLine, toStreamItem, type RunPanelModel } from './panelModel';
import { describeError } from '../../shared/errors';
import { sleep } from '../../shared/sleep';

export interface StreamLogger {
  warn(message: string): void;
}

/**
 * Follows the streams of one run (each key of `realtimeStreams`, plus the `$logs` key) into its panel
 * model. Each stream resumes from the next index it lacks when the engine changes or the feed fails
 * for good; a stream ends at the engine's `event: end`. No vscode import.
 */
export class RunStreams implements IDisposable {
  private client: EngineClient | undefined;
  private abort = new AbortController();
  private readonly started = new Set<string>();
  private readonly ended = new Set<string>();
  private nextLogIdx = 0;
  private disposed = false;

  constructor(
    private readonly runId: string,
    private readonly model: RunPanelModel,
    private readonly onChange: () => void,
    private readonly log: StreamLogger,
    private readonly retryMs = 1000,
  ) {}

  /** A new engine connection (or none): every unfinished stream restarts on it. */
  setClient(client: EngineClient | undefined): void {
    if (this.disposed) return;
    this.abort.abort();
    this.abort = new AbortController();
    this.client = client;
    const keys = [...this.started];
    this.started.clear();
    for (const key of keys) this.ensure(key);
  }

  /** Starts following `key` unless it is followed already or has ended. */
  ensure(key: string): void {
    if (this.disposed || this.started.has(key) || this.ended.has(key)) return;
    this.started.add(key);
    if (key !== LOG_STREAM_KEY) this.model.ensureStream(key);
    if (this.client) void this.follow(key, this.client, this.abort.signal);
  }

  private async follow(key: string, client: EngineClient, signal: AbortSignal): Promise<void> {
    const isLogs = key === LOG_STREAM_KEY;
    let failures = 0;
    while (!signal.aborted) {
      const fromIdx = isLogs ? this.nextLogIdx : this.model.nextIdx(key);
      try {
        for await (const chunk of client.subscribeToStream(this.runId, key, { fromIdx, signal })) {
          failures = 0;
          if (isLogs) {
            if (chunk.idx < this.nextLogIdx) continue;
            this.nextLogIdx = chunk.idx + 1;
            this.model.appendLogs([toLogLine(chunk.value)]);
          } else {
            this.model.appendChunks(key, chunk.idx, [toStreamItem(chunk.value)]);
          }
          this.onChange();
        }
        if (signal.aborted) return;
        this.ended.add(key);
        if (!isLogs) this.model.endStream(key);
        this.onChange();
        return;
      } catch (err) {
        if (signal.aborted || isAbortError(err)) return;
        failures++;
        const status = err instanceof EngineApiError ? ` (${err.status} ${err.code})` : '';
        this.log.warn(`Stream ${key} of ${this.runId} failed${status}: ${describeError(err)}`);
        await sleep(Math.min(30_000, this.retryMs * 2 ** Math.min(failures - 1, 5)), signal);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.abort.abort();
  }
}
