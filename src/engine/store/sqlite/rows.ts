import type { Row as QueryResult } from './driver';

/** Typed column reads of rows (a wrong type means a corrupt or mismatched schema). */

export function text(row: QueryResult, col: string): string {
  const v = row[col];
  if (typeof v !== 'string') throw new Error(`store: column ${col} is not text`);
  return v;
}

export function textOrNull(row: QueryResult, col: string): string | null {
  const v = row[col];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new Error(`store: column ${col} is not text`);
  return v;
}

export function int(row: QueryResult, col: string): number {
  const v = row[col];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new Error(`store: column ${col} is not a number`);
}

export function intOrNull(row: QueryResult, col: string): number | null {
  const v = row[col];
  if (v === null || v === undefined) return null;
  return int(row, col);
}
