import { EngineApiError, EngineConnectionError } from '../client/errors';
import { EngineFileError } from '../client/engine-file';
import { CliError, UsageError } from './errors';
import { describeError } from '../shared/errors';

/** Prints an error the way the CLI reports them and returns the exit code. */
export function reportError(error: unknown, err: (text: string) => void): number {
  if (error instanceof UsageError) {
    err(`error: ${error.message}\n`);
    err(`Run "runlight ${error.command ? `${error.command} ` : ''}--help" for usage.\n`);
    return 2;
  }
  if (error instanceof CliError) {
    err(`error: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof EngineApiError) {
    const where = error.status ? `HTTP ${error.status}, ` : '';
    err(`error: ${error.message} (${where}${error.code})\n`);
    for (const issue of error.issues ?? []) err(`  ${issue.path || '(body)'}: ${issue.message}\n`);
    return 1;
  }
  if (error instanceof EngineConnectionError || error instanceof EngineFileError) {
    err(`error: ${error.message}\n`);
    return 1;
  }
  err(`error: ${describeError(error, { stack: true })}\n`);
  return 1;
}
