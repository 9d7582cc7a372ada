import type { RetentionPolicy } from './runs/retention';

/** Public entry of the engine: used by the CLI (`runlight dev`) and by tests. */
export interface EngineOptions {
  /** Workspace folder; `.runlight/` (db, engine.json, secret-key, build cache) lives inside it. */
  dir: string;
  /** 0 = any free port. */
  port: number;
  /** `sqlite` (default, `<dir>/.runlight/runlight.db`) or a `postgres://` URL. */
  store?: string;
  /** Overrides RUNLIGHT_SECRET_KEY and the generated key file. */
  secretKey?: string;
  /** Most task workers at once (default 2); each starts when a run needs it and stops after RUNLIGHT_WORKER_IDLE_MS idle (default 60 s). */
  workers?: number;
  /** Task folders relative to dir (default `trigger`, `src/trigger`). */
  taskDirs?: string[];
  /**
   * Milliseconds a cancelled or timed-out attempt is given to end once its task's `signal` is aborted, before its
   * worker is killed (default RUNLIGHT_STOP_GRACE_MS, else 3000).
   */
  stopGraceMs?: number;
  log?: (line: string) => void;
  /**
   * Schedules: how often due ones are looked for (default RUNLIGHT_SCHEDULE_POLL_MS, else 1000 ms), and the clock
   * they are read against (default Date.now; tests move it instead of waiting for the next minute).
   */
  schedules?: { pollMs?: number; now?: () => number };
  /**
   * Which finished runs are removed, with their events, streams and logs (default RUNLIGHT_RETENTION_DAYS /
   * RUNLIGHT_RETENTION_RUNS, else a week and no count limit); `now` is the clock ages are read against, and the
   * first prune comes `firstDelayMs` after the start (default RUNLIGHT_RETENTION_START_MS, else 5 s), the next ones every `everyMs` (default 10 min).
   */
  retention?: Partial<RetentionPolicy> & { now?: () => number; firstDelayMs?: number; everyMs?: number };
}

export interface RunningEngine {
  url: string;
  secretKey: string;
  close(): Promise<void>;
}

export { startEngine } from './engine';
