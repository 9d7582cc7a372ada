import { backoffDelayMs, type BackoffOptions } from '../../shared/retry';
import { sleep } from '../../shared/sleep';
import { unsupported } from '../backend/unsupported';

/**
 * Trigger.dev's `retry.onThrow(fn, options)`: calls `fn({ attempt, maxAttempts })` until it returns, waiting the
 * options' backoff (defaults: 3 attempts, factor 2, 1 s to 60 s, randomized) between failures; rethrows the last
 * error, and an `AbortTaskRunError` at once. The wait is in place (the run stays EXECUTING; upstream parks it).
 */
async function onThrow<T>(fn: (o: { attempt: number; maxAttempts: number }) => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn({ attempt, maxAttempts });
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortTaskRunError') throw e;
      const delay = backoffDelayMs({ ...options, maxAttempts }, attempt);
      if (delay === undefined) throw e;
      await sleep(delay);
    }
  }
}

export const retry = { onThrow, fetch: unsupported('retry.fetch()') };
