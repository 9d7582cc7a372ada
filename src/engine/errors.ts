/**
 * Every code the engine refuses or fails with: the `code` of `{ error: { code, message, issues? } }`. Each names
 * what went wrong in the engine's terms; which HTTP status it travels with is decided once, in `http/errors.ts`.
 * Callers catch by code, not by message (messages name the field and the limit, and may change).
 */
export type EngineErrorCode =
  // Who is calling.
  | 'unauthorized'
  | 'invalid_api_key'
  | 'invalid_token'
  | 'token_expired'
  | 'token_used'
  | 'forbidden'
  | 'forbidden_host'
  // The request as HTTP.
  | 'bad_request'
  | 'bad_url'
  | 'headers_too_large'
  | 'request_timeout'
  | 'not_found'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'invalid_json'
  | 'too_deep'
  // What the request asks for.
  | 'invalid_request'
  | 'invalid_payload'
  | 'unsupported_payload'
  | 'payload_too_large'
  | 'run_not_found'
  | 'batch_not_found'
  | 'run_exists'
  | 'idempotency_busy'
  | 'batch_exists'
  | 'run_finished'
  | 'too_many_tags'
  | 'metadata_too_large'
  | 'metadata_overflow'
  | 'chunk_too_large'
  | 'invalid_text'
  | 'waitpoint_not_found'
  | 'waitpoint_completed'
  | 'schedule_not_found'
  // The engine itself.
  | 'storage_unavailable'
  | 'internal_error';

/** One field a request got wrong: its path from the request's root (`body.options.tags`) and why. */
export interface ErrorIssue {
  path: string;
  message: string;
}

/** What services, auth, stores and routes throw; the HTTP layer turns it into the wire body and a status. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
