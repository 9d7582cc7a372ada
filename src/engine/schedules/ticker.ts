import { describeError } from '../../shared/errors';
import type { ScheduleService } from './service';

export interface TickerOptions {
  /** How often due schedules are looked for (ms). Cron has minute granularity; the default 1000 fires within a second. */
  pollMs: number;
  log(line: string): void;
}

/** How many due schedules one poll fires at most (the rest wait for the next poll). */
const BATCH = 100;

/**
 * Fires due schedules: on start, skips the ticks missed while no engine ran, then polls the store for schedules whose
 * next tick has come. Each engine node runs one; the store's compare-and-set decides which node fires a tick.
 */
export class ScheduleTicker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly schedules: ScheduleService,
    private readonly o: TickerOptions,
  ) {}

  async start(): Promise<void> {
    const skipped = await this.schedules.skipMissed().catch((e: unknown) => {
      this.o.log(`schedules: skipping missed ticks failed: ${describeError(e)}`);
      return 0;
    });
    if (skipped > 0) this.o.log(`schedules: ${skipped} schedule(s) had ticks while no engine ran; they are not backfilled, the next tick is counted from now`);
    if (this.closed) return;
    this.timer = setInterval(() => void this.poll(), Math.max(10, this.o.pollMs));
    this.timer.unref();
  }

  /** One round: fires every due schedule (at most BATCH). Overlapping rounds are skipped. */
  poll(): Promise<void> {
    if (this.running || this.closed) return this.running ?? Promise.resolve();
    this.running = (async () => {
      try {
        const due = await this.schedules.due(BATCH);
        for (const s of due) {
          if (this.closed) return;
          try {
            const runId = await this.schedules.fire(s);
            if (runId) this.o.log(`schedules: ${s.id} ("${s.cron}" ${s.timezone}) triggered ${s.taskIdentifier} as ${runId}`);
          } catch (e) {
            this.o.log(`schedules: firing ${s.id} of task "${s.taskIdentifier}" failed: ${describeError(e)}`);
          }
        }
      } catch (e) {
        this.o.log(`schedules: looking for due schedules failed: ${describeError(e)}`);
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
