import type * as z from 'zod/mini';
import type { ErrorBody } from '../../protocol/api';
import { innermostIssue } from '../../protocol/parse';
import { EngineError, type EngineErrorCode } from '../errors';
import { describeError } from '../../shared/errors';

/** The HTTP status of every engine error code: the one place where a code meets HTTP. */
export const HTTP_STATUS: Record<EngineErrorCode, number> = {
  unauthorized: 401,
  invalid_api_key: 401,
  invalid_token: 401,
  token_expired: 401,
  token_used: 401,
  forbidden: 403,
  forbidden_host: 403,
  bad_request: 400,
  bad_url: 400,
  headers_too_large: 431,
  request_timeout: 408,
  not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  invalid_json: 400,
  too_deep: 422,
  invalid_request: 422,
  invalid_payload: 400,
  unsupported_payload: 422,
  payload_too_large: 413,
  run_not_found: 404,
  batch_not_found: 404,
  run_exists: 409,
  idempotency_busy: 409,
  batch_exists: 409,
  run_finished: 409,
  too_many_tags: 422,
  metadata_too_large: 413,
  metadata_overflow: 422,
  chunk_too_large: 413,
  invalid_text: 422,
  waitpoint_not_found: 404,
  waitpoint_completed: 409,
  schedule_not_found: 404,
  storage_unavailable: 503,
  internal_error: 500,
};

/** A refusal as it goes on the wire. */
export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
}

/** Anything thrown → its status and `{ error: { code, message, issues? } }`; an unexpected one is logged and is a 500. */
export function errorAnswer(e: unknown, log: (line: string) => void): ErrorAnswer {
  if (!(e instanceof EngineError)) {
    log(`internal error: ${describeError(e, { stack: true })}`);
    return errorAnswer(new EngineError('internal_error', 'the engine hit an unexpected error; see its log'), log);
  }
  const { code, message, issues } = e;
  return { status: HTTP_STATUS[code], body: { error: { code, message, ...(issues ? { issues } : {}) } } };
}

/** An `invalid_request` naming the first bad field, with every issue listed. */
export function validationError(err: z.core.$ZodError, root: string): EngineError {
  const issues = err.issues.map((i) => {
    const { path, message } = innermostIssue(i);
    return { path: [root, ...path.map(String)].filter(Boolean).join('.'), message };
  });
  const first = issues[0];
  return new EngineError('invalid_request', first ? `${first.path || root}: ${first.message}` : `${root}: invalid`, issues);
}
