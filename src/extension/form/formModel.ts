import * as z from 'zod/mini';
import { LIMITS, TriggerOptions } from '../../protocol/api';
import { innermostIssue } from '../../protocol/parse';
import { Json } from '../../protocol/run';
import { isJsonObject, type JsonObject } from '../../shared/json';
import { checkJsonSchema } from '../../tools/json-schema-check';
import { jsonSyntaxError, lineColumnAt } from './jsonSyntax';

/**
 * The trigger form: a JSON document `{ "$schema", "payload", "options" }` edited in an ordinary editor tab. This module
 * builds its text and its JSON Schema and reads it back, with errors that name the line or the field. Pure (no vscode).
 */

/** The schemes of the form documents (`runlight-form:/<task id>.json`) and of their JSON Schemas. */
export const FORM_SCHEME = 'runlight-form';
export const SCHEMA_SCHEME = 'runlight-schema';

/** The path of a task's form (or schema) document: `/<task id>.json` (a task id may contain "/"). */
export const formPath = (taskId: string): string => `/${taskId}.json`;

/** The task id of a form (or schema) document's path; undefined for a path that is not one. */
export function taskIdOfPath(path: string): string | undefined {
  const m = /^\/(.+)\.json$/.exec(path);
  return m ? m[1] : undefined;
}

/** What the form's `$schema` says: the schema document the JSON language validates the form with. */
export const schemaUriOf = (taskId: string): string => `${SCHEMA_SCHEME}:/${taskId.split('/').map(encodeURIComponent).join('/')}.json`;

/** The trigger options the form takes (Trigger.dev's names); any other key under `options` is refused with its name. */
export const FormOptions = z.strictObject({
  tags: TriggerOptions.shape.tags,
  idempotencyKey: TriggerOptions.shape.idempotencyKey,
  idempotencyKeyTTL: TriggerOptions.shape.idempotencyKeyTTL,
  delay: TriggerOptions.shape.delay,
  ttl: TriggerOptions.shape.ttl,
  maxAttempts: TriggerOptions.shape.maxAttempts,
  maxDuration: TriggerOptions.shape.maxDuration,
  metadata: TriggerOptions.shape.metadata,
  queue: TriggerOptions.shape.queue,
  concurrencyKey: TriggerOptions.shape.concurrencyKey,
  priority: TriggerOptions.shape.priority,
});
export type FormOptions = z.output<typeof FormOptions>;
/** The options as written in the form (before defaults and transforms). */
export type FormOptionsInput = z.input<typeof FormOptions>;

const duration = (what: string): JsonObject => ({
  description: `${what}: a duration such as "30s", "5m", "1h", "2d", or a number of seconds.`,
  anyOf: [
    { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$' },
    { type: 'number', minimum: 0 },
  ],
});

/** The JSON Schema of `options` (descriptions show on hover and in completion). Keys: those of FormOptions. */
export const OPTIONS_JSON_SCHEMA: JsonObject = {
  type: 'object',
  description: 'Trigger options (as tasks.trigger takes them).',
  additionalProperties: false,
  properties: {
    tags: {
      description: `Tags of the run (at most ${LIMITS.tagsPerRun}, each at most ${LIMITS.tagLength} characters), e.g. "user:42".`,
      anyOf: [
        { type: 'array', items: { type: 'string', minLength: 1, maxLength: LIMITS.tagLength }, maxItems: LIMITS.tagsPerRun },
        { type: 'string', minLength: 1, maxLength: LIMITS.tagLength },
      ],
    },
    idempotencyKey: {
      type: 'string',
      minLength: 1,
      maxLength: 512,
      description: 'A second trigger with the same key (within idempotencyKeyTTL) returns the first run instead of starting another.',
    },
    idempotencyKeyTTL: duration('How long the idempotency key finds this run (default 30d)'),
    delay: {
      description: 'Start the run later: a duration such as "30s" or "1h", a number of seconds, or an ISO date-time.',
      anyOf: [{ type: 'string' }, { type: 'number', minimum: 0 }],
    },
    ttl: duration('If the run has not started within this time it expires'),
    maxAttempts: { type: 'integer', minimum: 1, maximum: 100, description: "Attempts before the run fails (default: the task's retry.maxAttempts)." },
    maxDuration: { type: 'number', exclusiveMinimum: 0, maximum: 86_400, description: 'Seconds of compute before the attempt times out.' },
    metadata: { type: 'object', description: 'The run’s initial metadata (a JSON object).' },
    queue: { type: 'string', minLength: 1, description: 'The name of a queue defined in code (default: the task’s queue).' },
    concurrencyKey: {
      anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }],
      description: 'Each key gets its own copy of the queue’s concurrency limit.',
    },
    priority: { type: 'number', minimum: 0, description: 'Seconds of head start in the queue: priority 10 is dequeued as if queued 10 s earlier.' },
  },
};

/**
 * The form's JSON Schema for a task: `payload` is the task's payload schema (its `$defs`/`definitions` lifted to the
 * root, so its `#/$defs/…` references still resolve), `options` the trigger options.
 */
export function formSchema(task: { id: string; payloadSchema?: JsonObject }): JsonObject {
  const { $schema: _ignored, $defs, definitions, ...payload } = task.payloadSchema ?? {};
  const hasSchema = task.payloadSchema !== undefined;
  return {
    title: `Trigger ${task.id}`,
    type: 'object',
    properties: {
      $schema: { type: 'string' },
      payload: hasSchema
        ? { ...payload, description: typeof payload.description === 'string' ? payload.description : `The payload of ${task.id} (checked against its schema).` }
        : { description: `The payload of ${task.id}: any JSON (the task declares no schema).` },
      options: OPTIONS_JSON_SCHEMA,
    },
    ...(hasSchema && (payload.type !== undefined || payload.$ref !== undefined) ? { required: ['payload'] } : {}),
    additionalProperties: false,
    ...($defs !== undefined ? { $defs } : {}),
    ...(definitions !== undefined ? { definitions } : {}),
  };
}

function resolveRef(ref: string, root: unknown): unknown {
  const m = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
  if (!m || !isJsonObject(root)) return ref === '#' ? root : undefined;
  const defs = root[m[1]!];
  return isJsonObject(defs) ? defs[decodeURIComponent(m[2]!).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
}

const asJson = (v: unknown): Json | undefined => {
  const r = Json.safeParse(v);
  return r.success ? r.data : undefined;
};

/**
 * An example value of a JSON Schema: its default, const, first example or first enum value, else an object of its
 * required properties (each an example), an empty string, 0 (or the minimum), false, an empty array or null.
 * Undefined when the schema says nothing usable.
 */
export function exampleOf(schema: unknown, root: unknown = schema, depth = 0): Json | undefined {
  if (!isJsonObject(schema) || depth > 16) return undefined;
  if ('default' in schema) return asJson(schema.default);
  if ('const' in schema) return asJson(schema.const);
  if (Array.isArray(schema.examples) && schema.examples.length) return asJson(schema.examples[0]);
  if (Array.isArray(schema.enum) && schema.enum.length) return asJson(schema.enum[0]);
  if (typeof schema.$ref === 'string') return exampleOf(resolveRef(schema.$ref, root), root, depth + 1);
  for (const k of ['anyOf', 'oneOf'] as const) {
    const options = schema[k];
    if (!Array.isArray(options)) continue;
    const usable = options.filter((o) => !(isJsonObject(o) && o.type === 'null'));
    for (const o of usable.length ? usable : options) {
      const v = exampleOf(o, root, depth + 1);
      if (v !== undefined) return v;
    }
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((s) => exampleOf(s, root, depth + 1));
    if (parts.length && parts.every(isJsonObject)) return Object.assign({}, ...parts) as Json;
  }
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : [];
  const type = types.find((t) => t !== 'null') ?? types[0] ?? (isJsonObject(schema.properties) ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const props = isJsonObject(schema.properties) ? schema.properties : {};
      const out: { [key: string]: Json } = {};
      for (const key of Array.isArray(schema.required) ? schema.required : []) {
        if (typeof key === 'string') out[key] = exampleOf(props[key], root, depth + 1) ?? null;
      }
      return out;
    }
    case 'array': {
      const item = typeof schema.minItems === 'number' && schema.minItems > 0 ? exampleOf(schema.items, root, depth + 1) : undefined;
      return item === undefined ? [] : [item];
    }
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/** The payload a new form starts with: the last one used for the task, else an example of its schema, else `{}`. */
export function startPayload(last: Json | undefined, payloadSchema: JsonObject | undefined): Json {
  if (last !== undefined) return last;
  return (payloadSchema && exampleOf(payloadSchema)) ?? {};
}

/** The form's text: the `$schema` header, the payload and the options (2-space JSON, one trailing newline). */
export function formText(taskId: string, payload: Json | undefined, options: FormOptionsInput | { [key: string]: Json } = { tags: [] }): string {
  return `${JSON.stringify({ $schema: schemaUriOf(taskId), payload, options }, null, 2)}\n`;
}

export type FormResult =
  | { ok: true; payload: Json | undefined; options: FormOptions }
  | { ok: false; message: string; /** 1-based line of a syntax error. */ line?: number; column?: number };

const FIELDS = ['$schema', 'payload', 'options'];
const pathText = (path: readonly PropertyKey[]): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

/**
 * Reads the form's text: the JSON (a syntax error names its line and column), its fields, the options (zod; an error
 * names the field, e.g. `options.delay`) and the payload against the task's schema (`payload.prompt: required`).
 */
export function parseForm(text: string, payloadSchema?: JsonObject): FormResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const found = jsonSyntaxError(text);
    if (!found) return { ok: false, message: `The form is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
    const { line, column } = lineColumnAt(text, found.offset);
    return { ok: false, message: `The form is not valid JSON: line ${line}, column ${column}: ${found.message}`, line, column };
  }
  if (!isJsonObject(raw)) return { ok: false, message: 'The form must be a JSON object: { "payload": …, "options": { … } }' };
  for (const key of Object.keys(raw)) {
    if (!FIELDS.includes(key)) return { ok: false, message: `${key}: not a field of the form (it has "payload" and "options")` };
  }
  let payload: Json | undefined;
  if (raw.payload !== undefined) {
    const p = Json.safeParse(raw.payload);
    if (!p.success) {
      const first = p.error.issues[0];
      const issue = first ? innermostIssue(first) : { path: [], message: 'not JSON data' };
      return { ok: false, message: `payload${pathText(issue.path)}: ${issue.message}` };
    }
    payload = p.data;
    const bytes = new TextEncoder().encode(JSON.stringify(payload)).byteLength;
    if (bytes > LIMITS.payloadBytes) return { ok: false, message: `payload: ${bytes} bytes; a payload is at most ${LIMITS.payloadBytes} bytes` };
  }
  const o = FormOptions.safeParse(raw.options ?? {});
  if (!o.success) {
    const first = o.error.issues[0];
    if (first?.code === 'unrecognized_keys') {
      return { ok: false, message: `options.${first.keys[0]}: not a trigger option (the form takes ${Object.keys(FormOptions.shape).join(', ')})` };
    }
    const issue = first ? innermostIssue(first) : { path: [], message: 'invalid' };
    return { ok: false, message: `options${pathText(issue.path)}: ${issue.message}` };
  }
  if (payloadSchema) {
    const problems = checkJsonSchema(payloadSchema, payload, 'payload');
    if (problems.length) return { ok: false, message: problems.join('; ') };
  }
  return { ok: true, payload, options: o.data };
}

/** The options to send: those the form sets, without an empty tag list. */
export function optionsToSend(options: FormOptions): FormOptions | undefined {
  const { tags, ...rest } = options;
  const out: FormOptions = { ...rest, ...(tags && tags.length ? { tags } : {}) };
  return Object.keys(out).length ? out : undefined;
}

/** The form a replay with an edited payload starts from: the run's payload, tags, ttl and queue (not its idempotency key). */
export function replayForm(run: { payload?: Json; tags: string[]; ttl?: string; queue?: string; taskIdentifier: string }): {
  payload: Json | undefined;
  options: FormOptionsInput;
} {
  return {
    payload: run.payload,
    options: {
      tags: run.tags,
      ...(run.ttl ? { ttl: run.ttl } : {}),
      ...(run.queue && run.queue !== `task/${run.taskIdentifier}` ? { queue: run.queue } : {}),
    },
  };
}
