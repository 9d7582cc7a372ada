// Trigger.dev's `wait`, as a plain sleep inside the worker (no checkpointing).
import { sleep } from '../../shared/sleep';

export interface WaitForOptions {
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
  weeks?: number;
}

export const wait = {
  for(options: WaitForOptions): Promise<void> {
    const s =
      (options.seconds ?? 0) + (options.minutes ?? 0) * 60 + (options.hours ?? 0) * 3600 + (options.days ?? 0) * 86_400 + (options.weeks ?? 0) * 604_800;
    if (!Number.isFinite(s) || s < 0) return Promise.reject(new RangeError('wait.for() needs a non-negative duration'));
    return sleep(s * 1000).then(() => undefined);
  },
  until(options: { date: Date; throwIfInThePast?: boolean }): Promise<void> {
    const ms = options.date.getTime() - Date.now();
    if (ms < 0 && options.throwIfInThePast) return Promise.reject(new RangeError('wait.until() date is in the past'));
    return sleep(ms).then(() => undefined);
  },
};
