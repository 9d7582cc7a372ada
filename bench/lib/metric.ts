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
  const as: A[] = [];
  const bs: B[] = [];
  if (options.warmup) {
    await a();
    await b();
    log('  warm-up round done (not counted)');
  }
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
    log(`  round ${r + 1}/${rounds} done`);
  }
  return { a: as, b: bs };
}
