// Trigger.dev's `wait`: inside a task the run is WAITING (its worker parked by the engine) until the time is due.
import { sleep } from '../../shared/sleep';
import { currentRuntime, requireRuntime } from './runtime';
import { completeToken, createToken, listTokens, retrieveToken, type TokenRef } from '../backend/waitTokens';

/** Why `wait.forToken` gave `ok: false`: the token timed out (Trigger.dev's class). */
export class WaitpointTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaitpointTimeoutError';
  }
}

/** What `wait.forToken` gives: the output the token was completed with, or the timeout. */
export type WaitpointTokenResult<T> = { ok: true; output: T } | { ok: false; error: Error };

/** The promise `wait.forToken` returns: a result, or with `.unwrap()` the output itself (throwing on a timeout). */
export class WaitpointTokenPromise<T> extends Promise<WaitpointTokenResult<T>> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  unwrap(): Promise<T> {
    return this.then((r) => {
      if (r.ok) return r.output;
      throw r.error;
    });
  }
}

/** Parks the run until the token is completed (its output) or times out (`ok: false`, WaitpointTimeoutError). */
function forToken<T>(token: TokenRef): WaitpointTokenPromise<T> {
  return new WaitpointTokenPromise<T>((resolve, reject) => {
    (async (): Promise<WaitpointTokenResult<T>> => {
      const id = typeof token === 'string' ? token : token?.id;
      if (typeof id !== 'string' || id === '') throw new TypeError('wait.forToken() needs a token id or { id }');
      const rt = requireRuntime('wait.forToken()');
      if (!rt.transport.waitForToken) throw new Error('wait.forToken() needs the Runlight worker (it waits through the engine)');
      await rt.metadata.flush();
      const hookWait = { type: 'token', token: id } as const;
      await rt.hooks.wait(hookWait);
      const r = await rt.transport.waitForToken(id);
      await rt.hooks.resume(hookWait);
      if (r.ok) return { ok: true, output: r.output as T };
      const message = r.error?.message ?? `wait token ${id} timed out`;
      return { ok: false, error: r.error?.name === 'WaitpointTimeoutError' ? new WaitpointTimeoutError(message) : new Error(message) };
    })().then(resolve, reject);
  });
}

/** One unit or several (added up): `{ seconds: 30 }`, `{ minutes: 5 }`, `{ months: 1 }`. A month is 30 days, a year 365, as upstream. */
export interface WaitForOptions {
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
  weeks?: number;
  months?: number;
  years?: number;
}

const UNIT_MS: Record<keyof WaitForOptions, number> = {
  seconds: 1000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 7 * 86_400_000,
  months: 30 * 86_400_000,
  years: 365 * 86_400_000,
};

/** Milliseconds of a `wait.for` duration; throws on an unknown unit or a negative or non-finite amount. */
export function waitForMs(options: WaitForOptions): number {
  let ms = 0;
  let units = 0;
  for (const [unit, amount] of Object.entries(options ?? {}) as [string, unknown][]) {
    if (amount === undefined) continue;
    const per = (UNIT_MS as Record<string, number | undefined>)[unit];
    if (per === undefined) throw new RangeError(`wait.for(): unknown unit "${unit}" (use ${Object.keys(UNIT_MS).join(', ')})`);
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) throw new RangeError(`wait.for(): ${unit} must be a non-negative number`);
    ms += amount * per;
    units++;
  }
  if (units === 0) throw new RangeError(`wait.for() needs a duration, such as { seconds: 30 } (units: ${Object.keys(UNIT_MS).join(', ')})`);
  return ms;
}

/** Waits until `until` (epoch ms): parked by the engine inside a task, a plain sleep elsewhere. */
async function waitUntilTime(until: number): Promise<void> {
  const rt = currentRuntime();
  if (rt?.transport.wait) {
    // What the task reported before waiting is visible while it waits.
    await rt.metadata.flush();
    const hookWait = { type: 'duration', date: new Date(until) } as const;
    await rt.hooks.wait(hookWait);
    await rt.transport.wait({ kind: 'time', until });
    await rt.hooks.resume(hookWait);
    return;
  }
  await sleep(until - Date.now());
}

export const wait = {
  createToken,
  forToken,
  completeToken,
  listTokens,
  retrieveToken,
  async for(options: WaitForOptions): Promise<void> {
    await waitUntilTime(Date.now() + waitForMs(options));
  },
  async until(options: { date: Date; throwIfInThePast?: boolean }): Promise<void> {
    const until = options?.date instanceof Date ? options.date.getTime() : NaN;
    if (!Number.isFinite(until)) throw new RangeError('wait.until() needs { date: Date }');
    if (until < Date.now()) {
      if (options.throwIfInThePast) throw new RangeError('wait.until() date is in the past');
      return;
    }
    await waitUntilTime(until);
  },
};
