import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
/** Random bytes drawn from a pool refilled 4 KiB at a time (one call into the system's generator per ~190 ids). */
const pool = Buffer.alloc(4096);
let next = pool.length;

function randomByte(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]!;
}

/** A public id like Trigger.dev's friendly ids: `run_` + 21 base-36 characters, uniformly random. */
export function newId(prefix: 'run' | 'batch' | 'attempt' | 'waitpoint' | 'sched'): string {
  let s = '';
  while (s.length < 21) {
    const b = randomByte();
    if (b < 252) s += ALPHABET[b % 36]; // 252 = 7 × 36: no character is likelier than another
  }
  return `${prefix}_${s}`;
}

/** "30s", "5m", "1h", "2d", "1w", "250ms", or a number of seconds → milliseconds. */
export function durationMs(d: string | number): number {
  if (typeof d === 'number') return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return n * unit;
}
