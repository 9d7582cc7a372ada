import { formatLogArgs } from '../sdk/task/logger';
import { currentRuntime, type LogLevel } from '../sdk/task/runtime';

const methods: ReadonlyArray<readonly [keyof Console, LogLevel]> = [
  ['log', 'log'],
  ['info', 'info'],
  ['warn', 'warn'],
  ['error', 'error'],
  ['debug', 'debug'],
  ['trace', 'debug'],
  ['dir', 'log'],
];

/**
 * Routes console output made by a task (anything running in an attempt's async context) to that
 * attempt's log; output from outside an attempt goes to stderr, where the engine can see it.
 */
export function captureConsole(): void {
  const c = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const [method, level] of methods) {
    c[method] = (...args: unknown[]) => {
      let text = formatLogArgs(args);
      if (method === 'trace') text = `Trace: ${text}\n${(new Error().stack ?? '').split('\n').slice(2).join('\n')}`;
      const rt = currentRuntime();
      if (rt) rt.transport.log(level, text);
      else process.stderr.write(`${text}\n`);
    };
  }
}
