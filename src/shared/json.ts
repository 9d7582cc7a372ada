// JSON values as they cross every boundary (payloads, outputs, metadata).
import { describeError } from './errors';

/** Any JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A detached JSON copy of a value, as `JSON.stringify` would send it (Dates become strings, functions and
 * undefined object fields disappear); undefined when the value itself has no JSON form (undefined, a function,
 * a symbol). Throws a TypeError naming `what` for a BigInt or a cycle.
 */
export function toJson(value: unknown, what: string): Json | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`${what} is not JSON-serialisable: ${describeError(err)}`, { cause: err });
  }
  return text === undefined ? undefined : (JSON.parse(text) as Json);
}
