import type { ZodError } from 'zod';
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
export function validationError(err: ZodError, root: string): HttpError {
  const issues = err.issues.map((i) => ({
    path: [root, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
  const first = issues[0];
  return new HttpError(422, 'invalid_request', first ? `${first.path || root}: ${first.message}` : `${root}: invalid`, issues);
}
