import type { Run } from '../../protocol/run';
import type { RunTimeline } from '../../protocol/timeline';

/** What of a run its timeline depends on: a change of any of these (not of metadata or streams) means a new timeline. */
export function timelineSignature(run: Run): string {
  return JSON.stringify([run.status, run.attemptCount, run.waitingFor ?? null, run.error?.message ?? null]);
}

/**
 * Keeps a run panel's timeline current: loads it when the run's status, attempt, wait or error changes (never for
 * metadata or stream writes), one request at a time — a change while one is in flight loads once more after it,
 * so the last change is never missed and a burst of changes costs two requests. No vscode: unit-tested.
 */
export class TimelineSync {
  private signature: string | undefined;
  private inFlight = false;
  private again = false;
  private disposed = false;

  constructor(
    private readonly load: () => Promise<RunTimeline>,
    private readonly apply: (timeline: RunTimeline) => void,
    private readonly failed: (err: unknown) => void,
  ) {}

  /** The run as the host has it now. */
  runChanged(run: Run): void {
    const sig = timelineSignature(run);
    if (sig === this.signature) return;
    this.signature = sig;
    this.reload();
  }

  /** Loads now (or right after the load in flight): a new engine connection, a reopened panel. */
  reload(): void {
    if (this.disposed) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    void this.load()
      .then(
        (t) => {
          if (!this.disposed) this.apply(t);
        },
        (err: unknown) => {
          if (!this.disposed) this.failed(err);
        },
      )
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.reload();
        }
      });
  }

  dispose(): void {
    this.disposed = true;
  }
}
