// What the in-host index (../index.ts) offers the suites; they are separate bundles, so it is
// passed on globalThis.

export const BRIDGE_KEY = '__runlightIntegration';

export interface Bridge {
  /** 1 = first load of the suites; 2 = after a window reload. */
  phase: 1 | 2;
  /** What the test before the reload handed over. */
  data: unknown;
  /** Records the results so far and `data`, then reloads the window (never resolves). */
  reloadWindow(data: unknown): Promise<never>;
}

export function bridge(): Bridge {
  const b = (globalThis as Record<string, unknown>)[BRIDGE_KEY];
  if (!b) throw new Error('not running under test/integration/index.ts');
  return b as Bridge;
}
