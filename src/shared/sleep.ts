// Waiting that can be called off. Timers and AbortSignal are the web-standard globals every runtime here has.

/** Node and browsers cap one timer at 2^31-1 ms; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves true once `ms` have passed, or false as soon as `signal` aborts (at once when it already has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const end = Date.now() + Math.max(0, ms);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const step = () => {
      const left = end - Date.now();
      if (left > 0) timer = setTimeout(step, Math.min(left, MAX_TIMER_MS));
      else {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    step();
  });
}
