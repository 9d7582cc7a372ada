/**
 * Metadata → progress bars. A number in [0, 1] under a key named like progress/percent/ratio/completion,
 * and an object `{ done, total }` or `{ current, total }` (numbers, total > 0), anywhere in the metadata
 * up to a few levels deep. Pure.
 */

export interface ProgressBar {
  /** Dotted path of the value in the metadata (`progress`, `steps.download`). Stable: used as data-key. */
  key: string;
  /** 0..1 */
  value: number;
  /** "42%" or "3 / 10". */
  text: string;
}

const NAME = /(progress|percent|pct|ratio|completion|completed|fraction)/i;
const MAX_DEPTH = 4;
const MAX_BARS = 20;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function pairProgress(v: unknown): { done: number; total: number } | undefined {
  if (!isObj(v) || !isNum(v.total) || v.total <= 0) return undefined;
  const done = isNum(v.done) ? v.done : isNum(v.current) ? v.current : undefined;
  if (done === undefined) return undefined;
  return { done, total: v.total };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function detectProgress(metadata: unknown): ProgressBar[] {
  const out: ProgressBar[] = [];
  const walk = (value: unknown, path: string[], depth: number) => {
    if (out.length >= MAX_BARS || !isObj(value) || depth > MAX_DEPTH) return;
    for (const [k, v] of Object.entries(value)) {
      const p = [...path, k];
      const key = p.join('.');
      if (isNum(v) && v >= 0 && v <= 1 && NAME.test(k)) {
        out.push({ key, value: v, text: `${Math.round(v * 100)}%` });
      } else {
        const pair = pairProgress(v);
        if (pair) out.push({ key, value: clamp01(pair.done / pair.total), text: `${formatNum(pair.done)} / ${formatNum(pair.total)}` });
        else walk(v, p, depth + 1);
      }
      if (out.length >= MAX_BARS) return;
    }
  };
  walk(metadata, [], 0);
  return out;
}

function formatNum(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
