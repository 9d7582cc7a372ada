import type { Json } from '../../protocol/run';
import { describeError } from '../../shared/errors';

/**
 * A detached JSON copy of a value, as `JSON.stringify` would send it (Dates become strings,
 * functions and undefined object fields disappear). Throws a readable error for BigInt or cycles.
 * Returns undefined when the value itself has no JSON form (undefined, a function, a symbol).
 */
export function toJson(value: unknown, what: string): Json | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`${what} is not JSON-serialisable: ${describeError(err)}`);
  }
  return text === undefined ? undefined : (JSON.parse(text) as Json);
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function isPlainObject(v: unknown): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
