// What a metadata operation does — the one definition the engine (which stores metadata) and the task SDK
// (which keeps a live copy and batches operations) both apply.
import { isJsonObject, type Json, type JsonObject } from './json';

/** A metadata operation, as the protocol's `MetadataOperation` schema parses it. */
export type MetadataOperation =
  | { type: 'set'; key: string; value: Json }
  | { type: 'delete'; key: string }
  | { type: 'append'; key: string; value: Json }
  | { type: 'remove'; key: string; value: Json }
  | { type: 'increment'; key: string; value: number }
  | { type: 'update'; value: JsonObject };

/** An increment whose result JSON cannot hold (it would be stored as null). Nothing of it was applied. */
export class MetadataOverflowError extends RangeError {
  override readonly name = 'MetadataOverflowError';
  constructor(
    readonly key: string,
    current: number,
    by: number,
  ) {
    super(`metadata.${key}: incrementing ${current} by ${by} gives ${current + by}, which JSON cannot hold`);
  }
}

/**
 * A key starting with `$.` is a path of dot segments (`$.a.b`); anything else is one top-level key
 * (so `"a.b"` is a key with a dot in it).
 */
export function metadataPath(key: string): string[] {
  return key.startsWith('$.') ? key.slice(2).split('.') : [key];
}

function getAt(root: JsonObject, path: readonly string[]): Json | undefined {
  let cur: Json | undefined = root;
  for (const seg of path) {
    if (!isJsonObject(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

function setAt(root: JsonObject, path: readonly string[], value: Json | undefined): void {
  let cur: JsonObject = root;
  for (const seg of path.slice(0, -1)) {
    const next = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    if (isJsonObject(next)) cur = next;
    else {
      const fresh: JsonObject = {};
      cur[seg] = fresh;
      cur = fresh;
    }
  }
  const last = path[path.length - 1] ?? '';
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

function jsonEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Applies one operation to `target` in place and returns the resulting object (a new one only for
 * `update`). Values are copied in. Throws MetadataOverflowError, before changing anything, for an increment
 * past the largest JSON number.
 */
export function applyMetadataOperation(target: JsonObject, op: MetadataOperation): JsonObject {
  switch (op.type) {
    case 'update':
      return structuredClone(op.value);
    case 'set':
      setAt(target, metadataPath(op.key), structuredClone(op.value));
      return target;
    case 'delete':
      setAt(target, metadataPath(op.key), undefined);
      return target;
    case 'append': {
      const path = metadataPath(op.key);
      const cur = getAt(target, path);
      const value = structuredClone(op.value);
      if (Array.isArray(cur)) cur.push(value);
      else setAt(target, path, cur === undefined ? [value] : [cur, value]);
      return target;
    }
    case 'remove': {
      const path = metadataPath(op.key);
      const cur = getAt(target, path);
      if (Array.isArray(cur))
        setAt(
          target,
          path,
          cur.filter((v) => !jsonEqual(v, op.value)),
        );
      return target;
    }
    case 'increment': {
      const path = metadataPath(op.key);
      const cur = getAt(target, path);
      const base = typeof cur === 'number' ? cur : 0;
      const sum = base + op.value;
      if (!Number.isFinite(sum)) throw new MetadataOverflowError(op.key, base, op.value);
      setAt(target, path, sum);
      return target;
    }
  }
}

/** Applies operations in order to a copy of `metadata`; `metadata` itself is left as it was. */
export function applyMetadataOperations(metadata: JsonObject, ops: readonly MetadataOperation[]): JsonObject {
  let out = structuredClone(metadata);
  for (const op of ops) out = applyMetadataOperation(out, op);
  return out;
}

type Relation = 'same' | 'inside' | 'contains' | 'disjoint';

/** How the key of `a` relates to the key of `b`: same slot, below it, above it, or unrelated. */
function relation(a: readonly string[], b: readonly string[]): Relation {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return 'disjoint';
  if (a.length === b.length) return 'same';
  return a.length > b.length ? 'inside' : 'contains';
}

/**
 * Collapses a queue of operations into a shorter one with exactly the same effect, keeping order:
 * a `set`/`delete` drops earlier writes to the same key (or below it); increments on one key are
 * summed, and an increment right after a `set`/`delete` of that key folds into the `set`; an
 * `update` drops everything before it. `append` and `remove` are kept as they are.
 */
export function collapseMetadataOperations(ops: readonly MetadataOperation[]): MetadataOperation[] {
  let out: MetadataOperation[] = [];
  for (const op of ops) {
    if (op.type === 'update') {
      out = [op];
      continue;
    }
    const path = metadataPath(op.key);
    if (op.type === 'set' || op.type === 'delete') {
      for (let i = out.length - 1; i >= 0; i--) {
        const prev = out[i]!;
        if (prev.type === 'update') break;
        const rel = relation(metadataPath(prev.key), path);
        if (rel === 'contains') break;
        if (rel === 'same' || rel === 'inside') out.splice(i, 1);
      }
      out.push(op);
      continue;
    }
    if (op.type === 'increment') {
      let merged = false;
      for (let i = out.length - 1; i >= 0; i--) {
        const prev = out[i]!;
        if (prev.type === 'update') break;
        const rel = relation(metadataPath(prev.key), path);
        if (rel === 'disjoint') continue;
        if (rel === 'same' && prev.key === op.key) {
          if (prev.type === 'increment') {
            out[i] = { type: 'increment', key: op.key, value: prev.value + op.value };
            merged = true;
          } else if (prev.type === 'set' || prev.type === 'delete') {
            const base = prev.type === 'set' && typeof prev.value === 'number' ? prev.value : 0;
            out[i] = { type: 'set', key: op.key, value: base + op.value };
            merged = true;
          }
        }
        break;
      }
      if (!merged) out.push(op);
      continue;
    }
    out.push(op);
  }
  return out;
}
