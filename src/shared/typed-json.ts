// A payload or output as a reader sees it: its JSON, with the types superjson's meta names at their places (a Date,
// Map, Set, BigInt, URL, RegExp, undefined, …), read from the meta without rebuilding any value. Pure: the run panel
// renders the result as text nodes.
import type { Json } from './json';

/** A leaf: JSON's own kinds, or a typed one (`type` names it: "Date", "BigInt", …; absent for `undefined`). */
export interface ShownLeaf {
  kind: 'leaf';
  style: 'string' | 'number' | 'boolean' | 'null' | 'typed';
  type?: string;
  text: string;
}

/** One child of a container: its key (an index, a property, or a Map key as short text) and value. */
export interface ShownEntry {
  key: string;
  /** A Map's entry (`key => value`) rather than a property (`key: value`). */
  arrow?: boolean;
  value: ShownValue;
}

/** An array, object, Set, Map, Error, typed array…: `summary` says which and how many (`[3]`, `{2}`, `Map(2)`). */
export interface ShownTree {
  kind: 'tree';
  summary: string;
  /** How it shows without entries (`[]`, `{}`, `Set(0)`). */
  empty: string;
  entries: ShownEntry[];
  /** Entries past the shown ones. */
  more: number;
}

export type ShownValue = ShownLeaf | ShownTree;

export const SHOWN_LIMITS = { entries: 500, stringChars: 10_000, depth: 24 } as const;

/** The structural part of superjson's meta this reads (see src/protocol/run.ts ValueMeta). */
export interface TypeMetaLike {
  values?: unknown;
  v?: number;
}

type Annotation = string | readonly unknown[];

/** `json` (a run's payload or output) with the types `meta` annotates; plain JSON without meta. */
export function showValue(json: Json, meta?: TypeMetaLike): ShownValue {
  const annotations = meta ? annotationsOf(meta) : new Map<string, Annotation>();
  return shown(json, [], annotations, 0);
}

/**
 * What is wrong with `meta` as the types of `json`, or undefined when nothing is: an annotation at a place the JSON
 * does not have, a path that is not of superjson's form, a node that is not an annotation. (superjson itself passes
 * over some of these silently, or makes the place up.)
 */
export function metaProblem(json: Json, meta: TypeMetaLike): string | undefined {
  const legacy = (meta.v ?? 0) < 1;
  // Walks the annotation tree and the JSON together: each child path is followed from its parent's place.
  const visit = (node: unknown, at: Json, origin: string[]): string | undefined => {
    if (Array.isArray(node)) {
      const [type, children] = node as unknown[];
      if (!isAnnotation(type)) return `meta.values has a node without a type at "${origin.join('.')}"`;
      return children && typeof children === 'object' && !Array.isArray(children) ? visitChildren(children as Record<string, unknown>, at, origin) : undefined;
    }
    if (node && typeof node === 'object') return visitChildren(node as Record<string, unknown>, at, origin);
    return node === undefined ? undefined : `meta.values has ${JSON.stringify(node)} where an annotation belongs`;
  };
  const visitChildren = (children: Record<string, unknown>, at: Json, origin: string[]): string | undefined => {
    for (const key of Object.keys(children)) {
      const rel = parsePath(key, legacy);
      if (!rel) return `meta.values has a path that is not of superjson's form: ${JSON.stringify(key)}`;
      const place = follow(at, rel);
      if (place === undefined) return `meta.values names "${[...origin, ...rel].join('.')}", a place its JSON does not have`;
      const problem = visit(children[key], place, origin.length === 0 ? rel : [...origin, ...rel]);
      if (problem) return problem;
    }
    return undefined;
  };
  return visit(meta.values, json, []);
}

/** The JSON at `path` below `json`; undefined when it has no such place. */
function follow(json: Json, path: readonly string[]): Json | undefined {
  let at: Json | undefined = json;
  for (const segment of path) {
    if (Array.isArray(at)) at = /^(0|[1-9]\d*)$/.test(segment) ? at[Number(segment)] : undefined;
    else if (at !== null && typeof at === 'object') at = Object.hasOwn(at, segment) ? at[segment] : undefined;
    else return undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

/** A short one-line text of a shown value (a Map key as a label): leaves as they show, containers by their summary. */
export function shortText(v: ShownValue): string {
  if (v.kind === 'tree') return v.entries.length === 0 ? v.empty : `${v.summary} {…}`;
  return v.type ? `${v.type} ${v.text}` : v.text;
}

const pathKey = (path: readonly string[]): string => JSON.stringify(path);

function shown(json: Json, path: string[], annotations: ReadonlyMap<string, Annotation>, depth: number): ShownValue {
  if (depth >= SHOWN_LIMITS.depth) return { kind: 'leaf', style: 'null', text: '…' };
  const annotation = annotations.get(pathKey(path));
  if (annotation !== undefined) {
    const typed = typedValue(json, annotation, path, annotations, depth);
    if (typed) return typed;
  }
  if (json === null) return { kind: 'leaf', style: 'null', text: 'null' };
  if (typeof json === 'string') return { kind: 'leaf', style: 'string', text: JSON.stringify(clip(json)) };
  if (typeof json === 'number') return { kind: 'leaf', style: 'number', text: String(json) };
  if (typeof json === 'boolean') return { kind: 'leaf', style: 'boolean', text: String(json) };
  if (Array.isArray(json)) return list(json, `[${json.length}]`, '[]', path, annotations, depth);
  const keys = Object.keys(json);
  return tree(`{${keys.length}}`, '{}', keys, (k) => ({ key: k, value: shown(json[k]!, [...path, k], annotations, depth + 1) }));
}

/** A node superjson annotated; undefined when its JSON is not of the form the type has (then shown as JSON). */
function typedValue(json: Json, a: Annotation, path: string[], annotations: ReadonlyMap<string, Annotation>, depth: number): ShownValue | undefined {
  const leaf = (type: string | undefined, text: string): ShownLeaf => ({ kind: 'leaf', style: 'typed', ...(type ? { type } : {}), text });
  if (typeof a === 'string') {
    switch (a) {
      case 'undefined':
        return leaf(undefined, 'undefined');
      case 'Date':
        return typeof json === 'string' ? leaf('Date', json) : undefined;
      case 'bigint':
        return typeof json === 'string' ? leaf('BigInt', `${json}n`) : undefined;
      case 'URL':
        return typeof json === 'string' ? leaf('URL', clip(json)) : undefined;
      case 'regexp':
        return typeof json === 'string' ? leaf('RegExp', clip(json)) : undefined;
      case 'number':
        return typeof json === 'string' ? { kind: 'leaf', style: 'number', text: json } : undefined;
      case 'set':
        return Array.isArray(json) ? list(json, `Set(${json.length})`, 'Set(0)', path, annotations, depth) : undefined;
      case 'map':
        return Array.isArray(json) ? map(json, path, annotations, depth) : undefined;
      case 'Error':
        return isObject(json) ? object(json, 'Error', path, annotations, depth) : undefined;
      default:
        return undefined;
    }
  }
  const [kind, name] = a;
  if (typeof name !== 'string') return undefined;
  switch (kind) {
    case 'typed-array':
    case 'custom':
      if (Array.isArray(json))
        return list(json, `${kind === 'custom' && name === 'buffer' ? 'Buffer' : name}(${json.length})`, `${name}(0)`, path, annotations, depth);
      return typeof json === 'string' || typeof json === 'number' ? leaf(name, String(json)) : undefined;
    case 'class':
      return isObject(json) ? object(json, name, path, annotations, depth) : undefined;
    case 'symbol':
      return leaf('Symbol', name);
    default:
      return undefined;
  }
}

function list(items: Json[], summary: string, empty: string, path: string[], annotations: ReadonlyMap<string, Annotation>, depth: number): ShownTree {
  return tree(
    summary,
    empty,
    items.map((_, i) => String(i)),
    (k) => ({ key: k, value: shown(items[Number(k)]!, [...path, k], annotations, depth + 1) }),
  );
}

function object(json: { [key: string]: Json }, type: string, path: string[], annotations: ReadonlyMap<string, Annotation>, depth: number): ShownTree {
  const keys = Object.keys(json);
  return tree(`${type} {${keys.length}}`, `${type} {}`, keys, (k) => ({ key: k, value: shown(json[k]!, [...path, k], annotations, depth + 1) }));
}

/** A Map's JSON is its entries as `[key, value]` pairs; each key is shown as a short label. */
function map(pairs: Json[], path: string[], annotations: ReadonlyMap<string, Annotation>, depth: number): ShownTree {
  return tree(
    `Map(${pairs.length})`,
    'Map(0)',
    pairs.map((_, i) => String(i)),
    (i) => {
      const pair = pairs[Number(i)];
      if (!Array.isArray(pair) || pair.length !== 2) return { key: i, value: shown(pair ?? null, [...path, i], annotations, depth + 1) };
      const key = shown(pair[0]!, [...path, i, '0'], annotations, depth + 1);
      return { key: shortText(key), arrow: true, value: shown(pair[1]!, [...path, i, '1'], annotations, depth + 1) };
    },
  );
}

function tree(summary: string, empty: string, keys: string[], entry: (key: string) => ShownEntry): ShownTree {
  const shownKeys = keys.slice(0, SHOWN_LIMITS.entries);
  return { kind: 'tree', summary, empty, entries: shownKeys.map(entry), more: keys.length - shownKeys.length };
}

function clip(s: string): string {
  return s.length > SHOWN_LIMITS.stringChars ? `${s.slice(0, SHOWN_LIMITS.stringChars)}… (${s.length} chars)` : s;
}

function isObject(v: Json): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * superjson's annotation tree as a map from a place (its path, as pathKey) to its type. `values` is either the root's
 * node (`[type, children?]`) or an object of paths to nodes; a node's children are keyed by paths below it. Paths are
 * dot-separated, with `\.` and `\\` escaping a dot and a backslash (format v1; before it only `\.`). Anything not of
 * this form is left out: the value then shows as its JSON.
 */
function annotationsOf(meta: TypeMetaLike): Map<string, Annotation> {
  const out = new Map<string, Annotation>();
  const legacy = (meta.v ?? 0) < 1;
  const visit = (node: unknown, origin: string[]): void => {
    if (Array.isArray(node)) {
      const [type, children] = node as unknown[];
      if (isAnnotation(type)) out.set(pathKey(origin), type);
      if (children && typeof children === 'object' && !Array.isArray(children)) visitChildren(children as Record<string, unknown>, origin);
      return;
    }
    if (node && typeof node === 'object') visitChildren(node as Record<string, unknown>, origin);
  };
  const visitChildren = (children: Record<string, unknown>, origin: string[]): void => {
    for (const [key, child] of Object.entries(children)) {
      const rel = parsePath(key, legacy);
      if (rel) visit(child, [...origin, ...rel]);
    }
  };
  visit(meta.values, []);
  return out;
}

function isAnnotation(v: unknown): v is Annotation {
  return typeof v === 'string' || (Array.isArray(v) && typeof v[0] === 'string');
}

function parsePath(s: string, legacy: boolean): string[] | undefined {
  const out: string[] = [];
  let segment = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === '.' || (!legacy && next === '\\')) {
        segment += next;
        i++;
        continue;
      }
      if (!legacy) return undefined;
    }
    if (c === '.') {
      out.push(segment);
      segment = '';
      continue;
    }
    segment += c;
  }
  out.push(segment);
  return out;
}
