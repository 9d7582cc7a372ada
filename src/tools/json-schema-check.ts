/**
 * Checks a JSON value against the common part of JSON Schema that task payload schemas use (what zod, valibot and
 * arktype emit: type, properties, required, additionalProperties, items, enum, const, string/number/array bounds,
 * pattern, anyOf/oneOf/allOf, local $ref into definitions/$defs). Keywords outside it are not checked; the task
 * still parses its payload itself when it runs. Pure. Returns one line per problem, each starting with the path.
 */

type Schema = { [key: string]: unknown };
const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_PROBLEMS = 20;

export function checkJsonSchema(schema: Schema, value: unknown, path = '$'): string[] {
  const problems: string[] = [];
  check(schema, value, path, schema, problems, 0);
  return problems.slice(0, MAX_PROBLEMS);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(t: string, v: unknown): boolean {
  const actual = typeOf(v);
  return t === actual || (t === 'number' && actual === 'integer');
}

function resolveRef(ref: string, root: Schema): Schema | undefined {
  const m = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
  if (!m) return ref === '#' ? root : undefined;
  const defs = root[m[1]!];
  const target = isObj(defs) ? defs[decodeURIComponent(m[2]!).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return isObj(target) ? target : undefined;
}

function check(schema: unknown, v: unknown, path: string, root: Schema, out: string[], depth: number): void {
  if (out.length >= MAX_PROBLEMS || depth > 64 || !isObj(schema)) return;
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(schema.$ref, root);
    if (target) check(target, v, path, root, out, depth + 1);
  }
  const types =
    typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type.filter((t): t is string => typeof t === 'string') : [];
  if (v === undefined) {
    if (types.length) out.push(`${path}: required, but no value was given`);
    return;
  }
  if (types.length && !types.some((t) => matchesType(t, v))) {
    out.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
    return;
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) out.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push(`${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if (typeof v === 'string') {
    if (typeof schema.minLength === 'number' && v.length < schema.minLength) out.push(`${path}: must have at least ${schema.minLength} characters`);
    if (typeof schema.maxLength === 'number' && v.length > schema.maxLength) out.push(`${path}: must have at most ${schema.maxLength} characters`);
    if (typeof schema.pattern === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(v)) out.push(`${path}: must match the pattern ${schema.pattern}`);
    }
  }
  if (typeof v === 'number') {
    if (typeof schema.minimum === 'number' && v < schema.minimum) out.push(`${path}: must be at least ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && v > schema.maximum) out.push(`${path}: must be at most ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) out.push(`${path}: must be more than ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && v >= schema.exclusiveMaximum) out.push(`${path}: must be less than ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === 'number' && v.length < schema.minItems) out.push(`${path}: must have at least ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) out.push(`${path}: must have at most ${schema.maxItems} items`);
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    v.forEach((item, i) => check(i < prefix.length ? prefix[i] : schema.items, item, `${path}[${i}]`, root, out, depth + 1));
  }
  if (isObj(v)) {
    const props = isObj(schema.properties) ? schema.properties : {};
    for (const key of Array.isArray(schema.required) ? schema.required : []) {
      if (typeof key === 'string' && !Object.hasOwn(v, key)) out.push(`${path}.${key}: required`);
    }
    for (const [key, item] of Object.entries(v)) {
      if (Object.hasOwn(props, key)) check(props[key], item, `${path}.${key}`, root, out, depth + 1);
      else if (schema.additionalProperties === false)
        out.push(`${path}.${key}: not allowed (the schema lists ${Object.keys(props).join(', ') || 'no properties'})`);
      else if (isObj(schema.additionalProperties)) check(schema.additionalProperties, item, `${path}.${key}`, root, out, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf) check(s, v, path, root, out, depth + 1);
  for (const k of ['anyOf', 'oneOf'] as const) {
    const options = schema[k];
    if (!Array.isArray(options) || options.length === 0) continue;
    const tries = options.map((s) => {
      const sub: string[] = [];
      check(s, v, path, root, sub, depth + 1);
      return sub;
    });
    if (tries.some((t) => t.length === 0)) continue;
    // the option that got furthest says the most: one whose type matched, then the fewest problems
    const score = (t: string[]) => (t.some((p) => p.startsWith(`${path}: expected `)) ? 1000 : 0) + t.length;
    out.push(...tries.reduce((a, b) => (score(b) < score(a) ? b : a)));
  }
}
