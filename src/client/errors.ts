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

  /** Builds the error from a body that may or may not be an ErrorBody. */
  static fromBody(status: number, text: string): EngineApiError {
    const body = parseErrorBody(text);
    if (body) return new EngineApiError(status, body.error.code, body.error.message, body.error.issues);
    const snippet = text.trim().slice(0, 200);
    return new EngineApiError(status, `http_${status}`, snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`);
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
