import { SuperJSON } from 'superjson';
import { describeError } from '../shared/errors';
import { metaProblem } from '../shared/typed-json';
import { ValueMeta, type Json } from './run';

/**
 * Payloads and outputs that are not plain JSON (a `Date`, `Map`, `Set`, `BigInt`, `URL`, `RegExp`, `undefined`, …),
 * encoded as Trigger.dev's SDK encodes them (`application/super+json`, superjson): a JSON part, plus a `meta` saying
 * which places of it stand for which type. The engine keeps both (a run's `payload` + `payloadMeta`); task code and
 * the SDK's readers get the values rebuilt. Not exported from the protocol's index: only the modules that encode or
 * decode values load superjson.
 */

/** Trigger.dev's `payloadType` / `outputType` of a superjson document. */
export const SUPER_JSON = 'application/super+json';

/** A value as JSON: itself when it is plain JSON (no `meta`), else superjson's JSON part and meta. */
export interface TypedJson {
  json: Json;
  meta?: ValueMeta;
}

const codec = new SuperJSON();

// Trigger.dev's SDK sends a Node Buffer as superjson's custom type "buffer" (its bytes as numbers): rebuilt where
// Buffer exists (task workers, the engine), so values round trip between its SDK and ours.
type BufferLike = Uint8Array;
const NodeBuffer = (globalThis as { Buffer?: { isBuffer(v: unknown): v is BufferLike; from(bytes: number[]): BufferLike } }).Buffer;
if (NodeBuffer) {
  codec.registerCustom<BufferLike, number[]>(
    { isApplicable: (v): v is BufferLike => NodeBuffer.isBuffer(v), serialize: (v) => [...v], deserialize: (v) => NodeBuffer.from(v) },
    'buffer',
  );
}

/**
 * `value` as JSON and meta (undefined for `undefined`, or a value without a JSON form such as a function). Values
 * inside class instances go as `JSON.stringify` sends them. Throws a TypeError naming `what` when the value cannot be
 * encoded (a BigInt inside a class instance, a `toJSON` that throws).
 */
export function toTyped(value: unknown, what: string): TypedJson | undefined {
  if (value === undefined) return undefined;
  // Plain JSON (the common case) is JSON as it is: superjson's walk costs tens of times JSON's.
  const plain = plainJsonText(value);
  if (plain !== null) return plain === undefined ? undefined : { json: JSON.parse(plain) as Json };
  let encoded: ReturnType<SuperJSON['serialize']>;
  let text: string | undefined;
  try {
    encoded = codec.serialize(value as Parameters<SuperJSON['serialize']>[0]);
    // The JSON part may still hold class instances (their toJSON, or their fields, is what JSON sends).
    text = JSON.stringify(encoded.json);
  } catch (err) {
    throw new TypeError(`${what} cannot be serialised: ${describeError(err)}`, { cause: err });
  }
  if (text === undefined) return undefined;
  const json = JSON.parse(text) as Json;
  const meta = encoded.meta as ValueMeta | undefined;
  return hasTypes(meta) ? { json, meta } : { json };
}

/**
 * `value` as JSON text when it is plain JSON (objects of Object or no prototype, arrays, strings, finite numbers other
 * than -0, booleans, null: what superjson would give no meta for but shared references); undefined when it has no JSON
 * form (a function); null when it holds anything else (a Date, Map, BigInt, undefined field, class instance…) or
 * cannot be sent as JSON (a cycle): superjson decides then.
 */
function plainJsonText(value: unknown): string | undefined | null {
  let plain = true;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      if (!plain) return undefined;
      const raw = this[key];
      if (raw === null || typeof raw === 'string' || typeof raw === 'boolean') return v;
      if (typeof raw === 'number' ? Number.isFinite(raw) && !Object.is(raw, -0) : typeof raw === 'object' && isPlainObjectOrArray(raw)) return v;
      // A function or symbol goes as JSON sends it (left out), as superjson does too.
      if (typeof raw === 'function' || typeof raw === 'symbol') return v;
      plain = false;
      return undefined;
    });
  } catch {
    return null;
  }
  return plain ? text : null;
}

function isPlainObjectOrArray(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The value `json` and `meta` stand for (Dates, Maps… rebuilt, as a new object); `json` itself without meta. Throws a
 * TypeError naming `what` when the meta does not fit the JSON (a path that is not there, an unknown type).
 */
export function fromTyped(json: Json | undefined, meta: ValueMeta | undefined, what: string): unknown {
  if (!hasTypes(meta)) return json;
  try {
    return codec.deserialize({ json: json ?? null, meta: meta as NonNullable<ReturnType<SuperJSON['serialize']>['meta']> });
  } catch (err) {
    throw new TypeError(`${what}: its superjson meta does not fit its JSON (${describeError(err)})`, { cause: err });
  }
}

/**
 * Checks that `meta` fits `json`: every place it annotates is in the JSON, and superjson rebuilds the value from them.
 * The same value back, with an empty meta dropped. Throws a TypeError naming `what` otherwise.
 */
export function checkTyped(json: Json | undefined, meta: ValueMeta | undefined, what: string): { json: Json | undefined; meta?: ValueMeta } {
  if (!hasTypes(meta)) return { json };
  const problem = metaProblem(json ?? null, meta);
  if (problem) throw new TypeError(`${what}: its superjson meta does not fit its JSON (${problem})`);
  fromTyped(json, meta, what);
  return { json, meta };
}

/**
 * A superjson document as Trigger.dev's SDK sends it (`{"json": …, "meta": …}` as text), checked: the meta is of
 * superjson's shape and fits the JSON. Throws a TypeError naming `what` otherwise.
 */
export function parseSuperJson(text: string, what: string): TypedJson {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TypeError(`${what}: not valid ${SUPER_JSON} (${describeError(err)})`, { cause: err });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Object.hasOwn(doc, 'json')) {
    throw new TypeError(`${what}: not a superjson document (${SUPER_JSON} is an object {"json": …, "meta"?: …})`);
  }
  const { json, meta } = doc as { json: Json; meta?: unknown };
  if (meta === undefined || meta === null) return { json };
  const parsed = ValueMeta.safeParse(meta);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(
      `${what}: its superjson meta is malformed (meta${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'})`,
    );
  }
  const checked = checkTyped(json, parsed.data, what);
  return checked.meta ? { json, meta: checked.meta } : { json };
}

/** The superjson document of a typed value, as Trigger.dev's clients parse it (`application/super+json`). */
export function toSuperJson(json: Json, meta: ValueMeta | undefined): string {
  return JSON.stringify(hasTypes(meta) ? { json, meta } : { json });
}

/**
 * A typed value as Trigger.dev's server answers `runs.retrieve` with it: the value rebuilt, then as JSON (a Date as
 * its ISO text, a URL as its text, an undefined field left out). Where plain JSON would lose or refuse a value, its
 * dashboard's rules: a BigInt or RegExp as text, a Set as an array, a Map as an object, an Error as its name and
 * message. A value with a cycle falls back to its JSON part.
 */
export function toPlainJson(json: Json | undefined, meta: ValueMeta | undefined): Json | undefined {
  if (!hasTypes(meta) || json === undefined) return json;
  try {
    const text = JSON.stringify(fromTyped(json, meta, 'value'), plainReplacer);
    return text === undefined ? undefined : (JSON.parse(text) as Json);
  } catch {
    return json;
  }
}

function plainReplacer(this: unknown, _key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof RegExp) return v.toString();
  if (v instanceof Set) return [...v];
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k instanceof Date ? k.toISOString() : String(k), x]));
  if (v instanceof Error) return { name: v.name, message: v.message };
  return v;
}

/** Whether `meta` says anything (superjson's `{ v: 1 }` alone does not). */
export function hasTypes(meta: ValueMeta | undefined): meta is ValueMeta {
  return meta !== undefined && (meta.values !== undefined || meta.referentialEqualities !== undefined);
}
