import { describeError } from '../../shared/errors';
/** Payload schemas for `schemaTask`: a Standard Schema (zod ≥ 3.24, valibot, arktype), anything with `parse`, or a function. */

interface StandardIssue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
}
type StandardResult<O> = { value: O; issues?: undefined } | { issues: ReadonlyArray<StandardIssue> };

export interface StandardSchemaLike<I = unknown, O = I> {
  readonly '~standard': {
    validate(value: unknown): StandardResult<O> | Promise<StandardResult<O>>;
    readonly types?: { readonly input: I; readonly output: O } | undefined;
    /** Standard JSON Schema (zod ≥ 4.2, arktype, valibot with its adapter): the schema as JSON Schema. */
    readonly jsonSchema?: { input(options: { target: string }): unknown };
  };
}

export type TaskSchema = StandardSchemaLike | { parse(value: unknown): unknown } | ((value: unknown) => unknown);

export type InferSchemaInput<S> = S extends { readonly '~standard': { readonly types?: infer T } }
  ? NonNullable<T> extends { readonly input: infer I }
    ? I
    : unknown
  : S extends { _input: infer I }
    ? I
    : S extends { parse(value: unknown): infer O }
      ? O
      : S extends (value: unknown) => infer O
        ? Awaited<O>
        : unknown;

export type InferSchemaOutput<S> = S extends { readonly '~standard': { readonly types?: infer T } }
  ? NonNullable<T> extends { readonly output: infer O }
    ? O
    : unknown
  : S extends { _output: infer O }
    ? O
    : S extends { parse(value: unknown): infer O }
      ? O
      : S extends (value: unknown) => infer O
        ? Awaited<O>
        : unknown;

/** The payload did not match the task's schema. Not retried. */
export class TaskPayloadParsedError extends Error {
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'TaskPayloadParsedError';
  }
}

function pathText(path: StandardIssue['path']): string {
  if (!path || path.length === 0) return '';
  return path
    .map((seg) => (typeof seg === 'object' && seg !== null && 'key' in seg ? seg.key : seg))
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
    .join('')
    .replace(/^\./, '');
}

function fail(taskId: string, issues: ReadonlyArray<StandardIssue>): never {
  const list = issues.map((i) => ({ path: pathText(i.path), message: i.message }));
  const text = list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw new TaskPayloadParsedError(`Invalid payload for task "${taskId}": ${text || 'rejected by the schema'}`, list);
}

function issuesOf(err: unknown): StandardIssue[] | undefined {
  const issues = (err as { issues?: unknown } | null)?.issues;
  return Array.isArray(issues) && issues.every((i) => typeof (i as { message?: unknown })?.message === 'string') ? (issues as StandardIssue[]) : undefined;
}

/** Parses `payload` with `schema`; throws TaskPayloadParsedError with every issue on failure. */
export async function parsePayload(taskId: string, schema: TaskSchema, payload: unknown): Promise<unknown> {
  if (typeof schema === 'object' && schema !== null && '~standard' in schema) {
    const result = await schema['~standard'].validate(payload);
    if (result.issues) fail(taskId, result.issues);
    return result.value;
  }
  try {
    if (typeof schema === 'function') return await schema(payload);
    return schema.parse(payload);
  } catch (err) {
    const issues = issuesOf(err);
    if (issues) fail(taskId, issues);
    throw new TaskPayloadParsedError(`Invalid payload for task "${taskId}": ${describeError(err)}`);
  }
}

/** The payload JSON Schema a schema can give (Standard JSON Schema's input side), else undefined. Never throws. */
export function jsonSchemaOf(schema: TaskSchema): unknown {
  if (typeof schema !== 'object' || schema === null || !('~standard' in schema)) return undefined;
  try {
    return schema['~standard'].jsonSchema?.input({ target: 'draft-07' });
  } catch {
    return undefined; // a schema with parts JSON Schema cannot express (transforms, custom checks)
  }
}
