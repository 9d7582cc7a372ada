// When a failed attempt is retried: the engine's default, and a backoff from Trigger.dev-style retry options.

/** The most a retry may be delayed: one timer's limit (about 24.8 days). */
export const MAX_RETRY_DELAY_MS = 2 ** 31 - 1;

/** The engine's delay before the retry of attempt `attempt` (1-based) when nothing else sets it: 1 s, 2 s, 4 s, … at most 30 s. */
export function defaultRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** (attempt - 1));
}

export interface BackoffOptions {
  maxAttempts?: number;
  factor?: number;
  minTimeoutInMs?: number;
  maxTimeoutInMs?: number;
  randomize?: boolean;
}

/**
 * The delay before retrying attempt `attempt` with these options (defaults as Trigger.dev's: 3 attempts, factor 2,
 * 1 s to 60 s, randomized); undefined when `attempt` was the last one they allow.
 */
export function backoffDelayMs(options: BackoffOptions, attempt: number, random: () => number = Math.random): number | undefined {
  const maxAttempts = options.maxAttempts ?? 3;
  if (attempt >= maxAttempts) return undefined;
  const factor = options.factor ?? 2;
  const min = options.minTimeoutInMs ?? 1000;
  const max = options.maxTimeoutInMs ?? 60_000;
  const jitter = (options.randomize ?? true) ? 1 + random() : 1;
  return Math.round(Math.min(max, jitter * min * factor ** (attempt - 1)));
}
