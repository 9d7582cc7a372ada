import type { Json } from '../../protocol/run';
import type { MetadataOperation } from '../../protocol/api';
import { LIMITS } from '../../protocol/api';
import { StoreRefusal } from '../store/types';

type Obj = { [key: string]: Json };

/** `$.a.b` and `a.b`-free keys: a key starting with `$.` is a path of dot segments, anything else is one key. */
function pathOf(key: string): string[] {
  return key.startsWith('$.') ? key.slice(2).split('.') : [key];
}

function isObj(v: Json | undefined): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function getAt(root: Obj, path: string[]): Json | undefined {
  let cur: Json | undefined = root;
  for (const seg of path) {
    if (!isObj(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

function setAt(root: Obj, path: string[], value: Json | undefined): void {
  let cur: Obj = root;
  for (const seg of path.slice(0, -1)) {
    const next = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    if (!isObj(next)) {
      const fresh: Obj = {};
      cur[seg] = fresh;
      cur = fresh;
    } else cur = next;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

function jsonEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Applies metadata operations in order to a copy of `metadata`; refuses results over 256 KB. */
export function applyMetadataOperations(metadata: Obj, ops: readonly MetadataOperation[]): Obj {
  let out: Obj = structuredClone(metadata);
  for (const op of ops) {
    switch (op.type) {
      case 'update':
        out = structuredClone(op.value);
        break;
      case 'set':
        setAt(out, pathOf(op.key), structuredClone(op.value));
        break;
      case 'delete':
        setAt(out, pathOf(op.key), undefined);
        break;
      case 'append': {
        const path = pathOf(op.key);
        const cur = getAt(out, path);
        const value = structuredClone(op.value);
        setAt(out, path, Array.isArray(cur) ? [...cur, value] : cur === undefined ? [value] : [cur, value]);
        break;
      }
      case 'remove': {
        const path = pathOf(op.key);
        const cur = getAt(out, path);
        if (Array.isArray(cur)) setAt(out, path, cur.filter((v) => !jsonEqual(v, op.value)));
        break;
      }
      case 'increment': {
        const path = pathOf(op.key);
        const cur = getAt(out, path);
        const sum = (typeof cur === 'number' ? cur : 0) + op.value;
        // JSON has no Infinity: stored, it would read back as null.
        if (!Number.isFinite(sum)) {
          throw new StoreRefusal('metadata_overflow', `metadata.${op.key}: incrementing ${String(cur ?? 0)} by ${op.value} gives ${sum}, which JSON cannot hold`);
        }
        setAt(out, path, sum);
        break;
      }
    }
  }
  const size = Buffer.byteLength(JSON.stringify(out));
  if (size > LIMITS.metadataBytes) {
    throw new StoreRefusal('metadata_too_large', `metadata: ${size} bytes is over the ${LIMITS.metadataBytes}-byte limit`);
  }
  return out;
}
