import { EngineClient } from '../../client/api';
import { isAbortError } from '../../client/errors';
import type { IDisposable } from '../lifecycle';
import type { RunStore } from './runStore';
import { describeError } from '../../shared/errors';
import { sleep } from '../../shared/sleep';

export interface FeedLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface RunFeedOptions {
  /** Runs fetched with listRuns on every (re)connect. */
  reconcileLimit?: number;
  /** Wait before resubscribing after the feed failed for good (401, bad event, …). */
  retryMs?: number;
}

/**
 * The ONE subscription of the extension to the engine's workspace feed (`/realtime/v1/runs`), feeding
 * the RunStore. On the first connection and after every reconnect the runs are reconciled with a
 * listRuns page (the feed itself resumes with Last-Event-ID, so this only catches up on runs that
 * changed while the engine was away or restarted). No vscode import.
 */
export class RunFeed implements IDisposable {
  private readonly abort = new AbortController();
  private lastEventId: string | undefined;
  private reconciling: Promise<void> | undefined;
  private _connected = false;
  readonly done: Promise<void>;

  constructor(
    private readonly baseURL: string,
    private readonly accessToken: string,
    private readonly store: RunStore,
    private readonly log: FeedLogger,
    private readonly options: RunFeedOptions = {},
    private readonly onConnected?: (connected: boolean) => void,
  ) {
    this.done = this.loop();
  }

  get connected(): boolean {
    return this._connected;
  }

  /** Fetches the newest runs now (manual Refresh). */
  reconcile(): Promise<void> {
    this.reconciling ??= this.doReconcile().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private setConnected(value: boolean): void {
    if (this._connected === value) return;
    this._connected = value;
    this.onConnected?.(value);
  }

  private async doReconcile(): Promise<void> {
    const client = new EngineClient({ baseURL: this.baseURL, accessToken: this.accessToken });
    const limit = this.options.reconcileLimit ?? 500;
    let after: string | undefined;
    let fetched = 0;
    try {
      while (fetched < limit && !this.abort.signal.aborted) {
        const page = await client.listRuns({ pageSize: Math.min(200, limit - fetched), after });
        this.store.upsert(page.data);
        fetched += page.data.length;
        after = page.pagination.next;
        if (!after || page.data.length === 0) break;
      }
    } catch (err) {
      if (!this.abort.signal.aborted) this.log.warn(`Reconciling runs failed: ${describeError(err)}`);
    }
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const client = new EngineClient({
        baseURL: this.baseURL,
        accessToken: this.accessToken,
        sse: {
          onOpen: (info) => {
            this.setConnected(true);
            if (info.attempt > 0) {
              this.log.info(`Run feed reconnected (after event ${info.lastEventId ?? 'none'}); reconciling.`);
              void this.reconcile();
            }
          },
          onError: (err, info) => {
            this.setConnected(false);
            this.log.warn(`Run feed dropped (${describeError(err)}); retrying in ${info.delayMs} ms.`);
          },
        },
      });
      const initial = this.reconcile();
      try {
        const feed = client.subscribeToAllRuns({ signal, lastEventId: this.lastEventId, onEventId: (id) => (this.lastEventId = id) });
        for await (const run of feed) this.store.upsert([run]);
        if (signal.aborted) break;
        this.log.warn('Run feed ended; resubscribing.');
      } catch (err) {
        if (signal.aborted || isAbortError(err)) break;
        this.log.warn(`Run feed failed: ${describeError(err)}`);
      } finally {
        await initial;
      }
      this.setConnected(false);
      await sleep(this.options.retryMs ?? 2000, signal);
    }
    this.setConnected(false);
  }

  dispose(): void {
    this.abort.abort();
  }
}
