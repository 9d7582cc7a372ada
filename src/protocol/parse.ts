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
