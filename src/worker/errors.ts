import { inspect } from 'node:util';
import type { RunError } from '../protocol/run';

const MAX_MESSAGE = 16 * 1024;
const MAX_STACK = 32 * 1024;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (truncated)` : text;
}

/** Turns anything thrown into the run's error `{ message, name, stackTrace }`. */
export function toRunError(err: unknown): RunError {
  if (err instanceof Error) {
    const cause = err.cause !== undefined ? `\nCaused by: ${toRunError(err.cause).message}` : '';
    return {
      name: err.name || 'Error',
      message: clip(`${err.message}${cause}`, MAX_MESSAGE),
      ...(err.stack ? { stackTrace: clip(err.stack, MAX_STACK) } : {}),
    };
  }
  if (typeof err === 'string') return { name: 'Error', message: clip(err, MAX_MESSAGE) };
  return { name: 'Error', message: clip(`Non-error thrown: ${inspect(err, { depth: 4, breakLength: Infinity })}`, MAX_MESSAGE) };
}

/** Failures that a retry cannot fix. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  return !['AbortTaskRunError', 'TaskPayloadParsedError', 'OutputNotSerialisableError', 'OutputTooLargeError', 'TaskNotFoundError'].includes(err.name);
}

export class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
