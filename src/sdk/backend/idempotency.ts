import { createHash } from 'node:crypto';

/**
 * Idempotency keys as Trigger.dev v4 makes them: the SHA-256 (hex) of the key material joined with "-", where the
 * material is the key (or the parts of a `string[]` key) followed by what its scope adds (inside a task: the run
 * id for "run", the run id and attempt number for "attempt"; nothing for "global" or outside a task).
 */

export type IdempotencyKeyScope = 'run' | 'attempt' | 'global';

/** A key made by `idempotencyKeys.create` (any 64-character string counts, as upstream): used as it is. */
export function isIdempotencyKey(value: unknown): value is string {
  return typeof value === 'string' && value.length === 64;
}

export function hashIdempotencyKey(material: readonly string[]): string {
  return createHash('sha256').update(material.join('-')).digest('hex');
}

/** The parts of a raw key, checked: a non-empty string or a non-empty array of them. */
export function keyParts(key: string | readonly string[], field = 'idempotencyKey'): string[] {
  const parts = typeof key === 'string' ? [key] : [...key];
  if (parts.length === 0 || parts.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new TypeError(`${field}: use a non-empty string or an array of non-empty strings`);
  }
  return parts;
}

/**
 * A trigger's `idempotencyKey` as the engine gets it: a made key as it is, a raw one (string or `string[]`) hashed
 * with `scopeMaterial` (the run id inside a task, where a raw key is scoped to the run; nothing outside one).
 */
export function toIdempotencyKey(key: string | readonly string[] | undefined, scopeMaterial: readonly string[] = []): string | undefined {
  if (key === undefined) return undefined;
  if (isIdempotencyKey(key)) return key;
  return hashIdempotencyKey([...keyParts(key), ...scopeMaterial]);
}
