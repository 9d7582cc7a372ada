import type { Json } from '../../protocol/run';
import type { MetadataOperation } from '../../protocol/api';
import { isPlainObject } from './json';

export type MetadataObject = { [key: string]: Json };

/**
 * A key starting with `$.` is a path of dot segments (`$.a.b`); anything else is one top-level key
 * (so `"a.b"` is a key with a dot in it). Same rule as the engine's `applyMetadataOperations`.
 */
export function metadataPath(key: string): string[] {
  return key.startsWith('$.') ? key.slice(2).split('.') : [key];
}

function getAt(root: MetadataObject, path: readonly string[]): Json | undefined {
  let cur: Json | undefined = root;
  for (const seg of path) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

function setAt(root: MetadataObject, path: readonly string[], value: Json | undefined): void {
  let cur: MetadataObject = root;
  for (const seg of path.slice(0, -1)) {
    const next = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    if (isPlainObject(next)) cur = next;
    else {
      const fresh: MetadataObject = {};
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
 * `update`). Values are stored as given: callers pass detached JSON copies.
 */
export function applyMetadataOperation(target: MetadataObject, op: MetadataOperation): MetadataObject {
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
      if (Array.isArray(cur)) setAt(target, path, cur.filter((v) => !jsonEqual(v, op.value)));
      return target;
    }
    case 'increment': {
      const path = metadataPath(op.key);
      const cur = getAt(target, path);
      setAt(target, path, (typeof cur === 'number' ? cur : 0) + op.value);
      return target;
    }
  }
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
