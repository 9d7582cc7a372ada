import type * as z from 'zod/mini';
import type { ErrorBody } from '../../protocol/api';

/** An error that becomes `{ error: { code, message, issues? } }` with its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) } };
  }
}

/** A 422 naming the first bad field, with every issue listed. */
export function validationError(err: z.core.$ZodError, root: string): HttpError {
  const issues = err.issues.map((i) => {
    const { path, message } = innermost(i, []);
    return { path: [root, ...path.map(String)].filter(Boolean).join('.'), message };
  });
  const first = issues[0];
  return new HttpError(422, 'invalid_request', first ? `${first.path || root}: ${first.message}` : `${root}: invalid`, issues);
}

/**
 * For a value that matched none of a union's types, the issue of the branch that got furthest — the one that
 * failed inside the value rather than on its type (e.g. a bad key deep in a JSON object) — with its full path.
 */
function innermost(issue: z.core.$ZodIssue, base: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    const deeper = issue.errors.flat().find((i) => i.code !== 'invalid_type' || i.path.length > 0);
    if (deeper) return innermost(deeper, path);
  }
  return { path, message: issue.message };
}
