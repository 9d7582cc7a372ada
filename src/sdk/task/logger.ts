import { formatWithOptions } from 'node:util';
import { currentRuntime, type LogLevel } from './runtime';

export type LogAttributes = Record<string, unknown>;

/** Formats console-style arguments the way Node's console does, on one string. */
export function formatLogArgs(args: readonly unknown[]): string {
  return formatWithOptions({ colors: false, depth: 6, breakLength: Infinity }, ...args);
}

function line(message: unknown, attrs: LogAttributes | undefined): string {
  const text = typeof message === 'string' ? message : formatLogArgs([message]);
  if (attrs === undefined || Object.keys(attrs).length === 0) return text;
  let extra: string;
  try {
    extra = JSON.stringify(attrs);
  } catch {
    extra = formatLogArgs([attrs]);
  }
  return `${text} ${extra}`;
}

function emit(level: LogLevel, message: unknown, attrs?: LogAttributes): void {
  const rt = currentRuntime();
  const text = line(message, attrs);
  if (rt) rt.transport.log(level, text);
  else if (level === 'error' || level === 'warn') process.stderr.write(`${text}\n`);
  else process.stdout.write(`${text}\n`);
}

/** Trigger.dev's `logger`: lines go to the run's log (and from there to the run view). */
export const logger = {
  debug: (message: string, attrs?: LogAttributes) => emit('debug', message, attrs),
  log: (message: string, attrs?: LogAttributes) => emit('log', message, attrs),
  info: (message: string, attrs?: LogAttributes) => emit('info', message, attrs),
  warn: (message: string, attrs?: LogAttributes) => emit('warn', message, attrs),
  error: (message: string, attrs?: LogAttributes) => emit('error', message, attrs),
  /** Runs `fn` (Trigger.dev wraps it in a trace span; here it is logged at debug level). */
  async trace<T>(name: string, fn: (span: { setAttribute(key: string, value: unknown): void }) => Promise<T> | T): Promise<T> {
    emit('debug', `trace ${name}`);
    return fn({ setAttribute: () => undefined });
  },
};
