import { Client, type ClientConfig } from 'pg';
import { describeError } from '../../../shared/errors';

export const EVENTS_CHANNEL = 'runlight_events';

export interface ListenOptions {
  config: ClientConfig;
  onSeq: (seq: number) => void;
  /** Called after a lost LISTEN connection is back, so the caller can catch up from the database. */
  onReconnect: () => void;
  log?: (line: string) => void;
}

/**
 * A dedicated connection LISTENing on `runlight_events` (payload: the head seq after a commit).
 * A lost connection is re-established with backoff (250 ms doubling to 5 s); notifications sent
 * while it was down are lost, so `onReconnect` fires once it is back.
 */
export async function listenForSeq(options: ListenOptions): Promise<() => Promise<void>> {
  let stopped = false;
  let client: Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = 250;

  const connect = async (): Promise<Client> => {
    const c = new Client(options.config);
    c.on('notification', (msg) => {
      if (msg.channel !== EVENTS_CHANNEL || msg.payload === undefined) return;
      const seq = Number(msg.payload);
      if (Number.isSafeInteger(seq)) options.onSeq(seq);
    });
    c.on('error', (err) => {
      options.log?.(`store: LISTEN connection error: ${err.message}`);
      lost(c);
    });
    c.on('end', () => lost(c));
    await c.connect();
    await c.query(`LISTEN ${EVENTS_CHANNEL}`);
    return c;
  };

  const lost = (c: Client): void => {
    if (stopped || client !== c) return;
    client = undefined;
    c.end().catch(() => undefined);
    scheduleRetry();
  };

  const scheduleRetry = (): void => {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().then(
        (c) => {
          if (stopped) {
            void c.end().catch(() => undefined);
            return;
          }
          client = c;
          delay = 250;
          options.onReconnect();
        },
        (err: unknown) => {
          options.log?.(`store: LISTEN reconnect failed: ${describeError(err)}`);
          delay = Math.min(delay * 2, 5000);
          scheduleRetry();
        },
      );
    }, delay);
    retryTimer.unref();
  };

  client = await connect();

  return async () => {
    if (stopped) return;
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    const c = client;
    client = undefined;
    if (c) {
      try {
        await c.query(`UNLISTEN ${EVENTS_CHANNEL}`);
      } catch {
        // the connection is going away anyway
      }
      await c.end().catch(() => undefined);
    }
  };
}
