/** Typed column reads of `pg` rows (int8 and numeric arrive as strings). */

export type Row = Record<string, unknown>;

export function text(row: Row, col: string): string {
  const v = row[col];
  if (typeof v !== 'string') throw new Error(`store: column ${col} is not text`);
  return v;
}

export function textOrNull(row: Row, col: string): string | null {
  const v = row[col];
  if (v === null || v === undefined) return null;
  return text(row, col);
}

export function int(row: Row, col: string): number {
  const v = row[col];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new Error(`store: column ${col} is not an integer`);
}

export function intOrNull(row: Row, col: string): number | null {
  const v = row[col];
  if (v === null || v === undefined) return null;
  return int(row, col);
}
