// Reading a schema's value out of JSON text that may be anything (a file, a response body).
import type * as z from 'zod/mini';

/** `text` parsed as JSON and checked against `schema`; undefined when it is not JSON or does not match. */
export function parseJsonAs<T>(schema: z.ZodMiniType<T>, text: string): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * For a value that matched none of a union's types, the issue of the branch that got furthest — the one that
 * failed inside the value rather than on its type (e.g. a bad key deep in a JSON object) — with its full path.
 */
export function innermostIssue(issue: z.core.$ZodIssue, base: readonly PropertyKey[] = []): { path: PropertyKey[]; message: string } {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    const deeper = issue.errors.flat().find((i) => i.code !== 'invalid_type' || i.path.length > 0);
    if (deeper) return innermostIssue(deeper, path);
  }
  return { path, message: issue.message };
}
