import { statfsSync } from 'node:fs';

/** Free space under which a failed write is put down to a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * This SQLite build's file layer reports a write that did not fit as a plain "disk I/O error". When the disk
 * holding the database is (nearly) full, the error says so, with the space left, so the one reading it knows
 * what to free; any other error is returned as it is.
 */
export function explainWriteError(err: Error, dir: string): Error {
  if (!/disk I\/O error|disk is full/i.test(err.message)) return err;
  let free: number;
  try {
    const s = statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch {
    return err;
  }
  if (free >= NEARLY_FULL_BYTES) return err;
  return new Error(`${err.message}: the disk holding ${dir} is full (${Math.floor(free / 1024)} KiB free)`, { cause: err });
}
