/** Trigger.dev's `wait`, as a plain sleep inside the worker (no checkpointing). */
export interface WaitForOptions {
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
  weeks?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const step = () => {
      const left = end - Date.now();
      if (left <= 0) resolve();
      else setTimeout(step, Math.min(left, MAX_TIMER_MS));
    };
    const end = Date.now() + Math.max(0, ms);
    step();
  });
}

export const wait = {
  for(options: WaitForOptions): Promise<void> {
    const s =
      (options.seconds ?? 0) +
      (options.minutes ?? 0) * 60 +
      (options.hours ?? 0) * 3600 +
      (options.days ?? 0) * 86_400 +
      (options.weeks ?? 0) * 604_800;
    if (!Number.isFinite(s) || s < 0) return Promise.reject(new RangeError('wait.for() needs a non-negative duration'));
    return sleep(s * 1000);
  },
  until(options: { date: Date; throwIfInThePast?: boolean }): Promise<void> {
    const ms = options.date.getTime() - Date.now();
    if (ms < 0 && options.throwIfInThePast) return Promise.reject(new RangeError('wait.until() date is in the past'));
    return sleep(ms);
  },
};
