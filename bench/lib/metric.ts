export interface Metric {
  name: string;
  value: number | null;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  goal: string;
  pass: boolean | null;
  /** Why a figure is missing, or what the baseline was. */
  note?: string;
}

export const round3 = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

export function metric(m: Metric): Metric {
  return { ...m, value: round3(m.value), baseline: round3(m.baseline), ratio: round3(m.ratio) };
}

/**
 * Runs `a` and `b` alternately `rounds` times (a first on odd rounds, b first on even ones). With `warmup`,
 * one round of each runs first and is not counted: steady-state figures, not JIT warm-up (start-up has its
 * own metric).
 */
export async function alternate<A, B>(
  rounds: number,
  a: () => Promise<A>,
  b: () => Promise<B>,
  log: (s: string) => void,
  options: { warmup?: boolean } = {},
): Promise<{ a: A[]; b: B[] }> {
  const [as, bs] = await rotate(rounds, [a, b] as const, log, options);
  return { a: as, b: bs };
}

/**
 * Runs every side once per round, `rounds` times, the side that goes first moving one place each round (with
 * two sides: a, b then b, a). With `warmup`, one round of each runs first and is not counted.
 */
export async function rotate<T extends readonly unknown[]>(
  rounds: number,
  sides: { readonly [K in keyof T]: () => Promise<T[K]> },
  log: (s: string) => void,
  options: { warmup?: boolean } = {},
): Promise<{ -readonly [K in keyof T]: T[K][] }> {
  const fns = sides as readonly (() => Promise<unknown>)[];
  const out: unknown[][] = fns.map(() => []);
  if (options.warmup) {
    for (const f of fns) await f();
    log('  warm-up round done (not counted)');
  }
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < fns.length; k++) {
      const i = (r + k) % fns.length;
      out[i]!.push(await fns[i]!());
    }
    log(`  round ${r + 1}/${rounds} done`);
  }
  return out as { -readonly [K in keyof T]: T[K][] };
}
