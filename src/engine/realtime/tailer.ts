import type { RunEvent, RunStore } from '../store/types';
import type { Hub } from './hub';
import { describeError } from '../../shared/errors';
import { SerialJob } from '../serial-job';

/**
 * Several engine nodes on one database: every node publishes run events to its own subscribers by reading
 * the change log in seq order (woken by the store's LISTEN/NOTIFY and by local commits), never straight from
 * its own commits — so feeds see one order on every node and a client may resume on any node.
 */
export class ChangeLogTailer {
  private last = 0;
  private readonly reads = new SerialJob(
    () => this.readPass(),
    (e) => this.log(`change log: ${describeError(e)}`),
    () => this.closed,
  );
  private stopListening?: () => Promise<void>;
  private poll?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: RunStore & { listen(onSeq: (seq: number) => void): Promise<() => Promise<void>> },
    private readonly hub: Hub,
    private readonly onEvents: (events: readonly RunEvent[]) => void,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    this.last = await this.store.headSeq();
    this.stopListening = await this.store.listen((seq) => {
      if (seq > this.last) this.kick();
    });
    // A safety net for a notification lost while reconnecting.
    this.poll = setInterval(() => this.kick(), 1000);
    this.poll.unref();
  }

  kick(): void {
    if (!this.closed) this.reads.kick();
  }

  /** Reads and publishes what the change log holds after the last event seen. */
  private async readPass(): Promise<void> {
    for (;;) {
      const events = await this.store.eventsAfter(this.last, {}, 1000);
      for (const e of events) {
        this.last = e.seq;
        this.hub.publishRun(e);
      }
      if (events.length) this.onEvents(events);
      if (events.length < 1000) break;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    await this.stopListening?.();
  }
}
