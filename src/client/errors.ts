import { ErrorBody } from '../protocol/api';
import { parseJsonAs } from '../protocol/parse';

export interface ErrorIssue {
  path: string;
  message: string;
}

/**
 * The engine refused a request: an HTTP error status with the `{ error: { code, message, issues? } }` body,
 * or (status 0) an `event: error` sent inside an SSE feed.
 */
export class EngineApiError extends Error {
  override readonly name: string = 'EngineApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(message);
  }

  /** Builds the error from a body that may or may not be an ErrorBody; its class is Trigger.dev's for the status. */
  static fromBody(status: number, text: string): EngineApiError {
    const Class = errorClassFor(status);
    const body = parseErrorBody(text);
    if (body) return new Class(status, body.error.code, body.error.message, body.error.issues);
    const snippet = text.trim().slice(0, 200);
    return new Class(status, `http_${status}`, snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`);
  }

  static async fromResponse(res: Response): Promise<EngineApiError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      // body unreadable: keep the status alone
    }
    return EngineApiError.fromBody(res.status, text);
  }
}

// Trigger.dev's ApiError subclasses, one per status, so `err instanceof NotFoundError` works as with its SDK.
export class BadRequestError extends EngineApiError {
  override readonly name = 'BadRequestError';
}
export class AuthenticationError extends EngineApiError {
  override readonly name = 'AuthenticationError';
}
export class PermissionDeniedError extends EngineApiError {
  override readonly name = 'PermissionDeniedError';
}
export class NotFoundError extends EngineApiError {
  override readonly name = 'NotFoundError';
}
export class ConflictError extends EngineApiError {
  override readonly name = 'ConflictError';
}
export class UnprocessableEntityError extends EngineApiError {
  override readonly name = 'UnprocessableEntityError';
}
export class RateLimitError extends EngineApiError {
  override readonly name = 'RateLimitError';
}
export class InternalServerError extends EngineApiError {
  override readonly name = 'InternalServerError';
}

type ApiErrorClass = new (status: number, code: string, message: string, issues?: ErrorIssue[]) => EngineApiError;

const BY_STATUS: Readonly<Record<number, ApiErrorClass>> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

function errorClassFor(status: number): ApiErrorClass {
  return BY_STATUS[status] ?? (status >= 500 ? InternalServerError : EngineApiError);
}

/** A feed sent `event: error`: it refuses to continue (e.g. the token expired). Never retried. */
export class SseFeedError extends EngineApiError {
  override readonly name = 'SseFeedError';
}

/** The engine could not be reached at all (connection refused, DNS, reset before any response). */
export class EngineConnectionError extends Error {
  override readonly name = 'EngineConnectionError';
  constructor(
    readonly url: string,
    override readonly cause: unknown,
  ) {
    super(`cannot reach the Runlight engine at ${url}: ${describeCause(cause)}`);
  }
}

export function parseErrorBody(text: string): ErrorBody | undefined {
  return parseJsonAs(ErrorBody, text);
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    if (inner instanceof Error && inner.message) return inner.message;
    return cause.message;
  }
  return String(cause);
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
