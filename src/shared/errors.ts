// What a thrown value says. A `throw` need not throw an Error: every catch turns what it caught into text or
// an Error through these two, never through a cast.

/**
 * The message of an Error (its stack, which starts with the message, when `stack` is asked for and known);
 * any other thrown value as text (JSON where it has a JSON form).
 */
export function describeError(err: unknown, options?: { stack?: boolean }): string {
  if (err instanceof Error) return (options?.stack ? err.stack : undefined) ?? err.message;
  if (typeof err === 'string') return err;
  if (err !== null && typeof err === 'object') {
    try {
      const json = JSON.stringify(err);
      if (json !== undefined && json !== '{}') return json;
    } catch {
      // a cycle or a BigInt: fall through to String()
    }
  }
  try {
    return String(err);
  } catch {
    return 'a value that is not an Error was thrown';
  }
}

/** The value itself when it is an Error, else an Error whose message describes it. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(describeError(err));
}
