import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type Json, type RunStatus } from '../protocol/run';
import { RUN_STATUSES } from '../shared/status';
import { UsageError } from './errors';
import { describeError } from '../shared/errors';

/** The command line, parsed and validated. Bad input throws UsageError naming the flag. */
export type Command =
  | { kind: 'help'; topic?: string }
  | { kind: 'version' }
  | { kind: 'dev'; dir: string; port: number; store?: string; workers?: number; retentionDays?: number; retentionRuns?: number }
  | { kind: 'trigger'; dir: string; task: string; payload?: Json; tags: string[]; watch: boolean; debug?: true }
  | { kind: 'runs'; dir: string; status: RunStatus[]; tags: string[]; task?: string; limit: number; json: boolean }
  | { kind: 'watch'; dir: string; runId: string }
  | { kind: 'mcp'; dir: string; readOnly: boolean };

type Options = NonNullable<ParseArgsConfig['options']>;

const common: Options = { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

const specs: Record<string, Options> = {
  dev: {
    ...common,
    port: { type: 'string' },
    store: { type: 'string' },
    workers: { type: 'string' },
    'retention-days': { type: 'string' },
    'retention-runs': { type: 'string' },
  },
  trigger: { ...common, payload: { type: 'string' }, tag: { type: 'string', multiple: true }, watch: { type: 'boolean' }, debug: { type: 'boolean' } },
  runs: {
    ...common,
    status: { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
    task: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  watch: { ...common },
  mcp: { ...common, 'read-only': { type: 'boolean' } },
};

export const COMMANDS = Object.keys(specs);

export function parseCommandLine(argv: string[], cwd: string = process.cwd()): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !specs[topic]) throw new UsageError(`unknown command "${topic}"`);
    return { kind: 'help', topic };
  }
  if (first === '--version' || first === '-v') return { kind: 'version' };
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first}; put options after the command`);
  const spec = specs[first];
  if (!spec) throw new UsageError(`unknown command "${first}" (commands: ${COMMANDS.join(', ')})`);

  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: spec, allowPositionals: true, strict: true }));
  } catch (error) {
    throw new UsageError(describeParseError(error, first), first);
  }
  if (values.help) return { kind: 'help', topic: first };
  try {
    return build(first, values, positionals, cwd);
  } catch (error) {
    if (error instanceof UsageError && error.command === undefined) throw new UsageError(error.message, first);
    throw error;
  }
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function build(first: string, values: Values, positionals: string[], cwd: string): Command {
  const dir = resolve(cwd, str(values.dir, '--dir') ?? '.');
  switch (first) {
    case 'dev': {
      noPositionals(positionals, first);
      const store = str(values.store, '--store');
      if (store !== undefined && store !== 'sqlite' && !/^postgres(ql)?:\/\//.test(store)) {
        throw new UsageError(`--store must be "sqlite" or a postgres:// URL, got "${store}"`, first);
      }
      const workers = values.workers === undefined ? undefined : int(values.workers, '--workers', 1, 64);
      const retentionDays = values['retention-days'] === undefined ? undefined : int(values['retention-days'], '--retention-days', 0, 36_500);
      const retentionRuns = values['retention-runs'] === undefined ? undefined : int(values['retention-runs'], '--retention-runs', 0, 1_000_000_000);
      return {
        kind: 'dev',
        dir,
        port: values.port === undefined ? 0 : int(values.port, '--port', 0, 65535),
        store,
        workers,
        ...(retentionDays !== undefined ? { retentionDays } : {}),
        ...(retentionRuns !== undefined ? { retentionRuns } : {}),
      };
    }
    case 'trigger': {
      const [task, ...extra] = positionals;
      if (task === undefined) throw new UsageError('trigger needs a TASK id, e.g. runlight trigger chat', first);
      noPositionals(extra, first);
      const raw = str(values.payload, '--payload');
      return {
        kind: 'trigger',
        dir,
        task,
        payload: raw === undefined ? undefined : parseJsonFlag(raw, '--payload'),
        tags: list(values.tag, '--tag'),
        watch: values.watch === true,
        ...(values.debug === true ? { debug: true as const } : {}),
      };
    }
    case 'runs': {
      noPositionals(positionals, first);
      const status = list(values.status, '--status')
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => runStatus(s));
      const limit = values.limit === undefined ? 25 : int(values.limit, '--limit', 1, 1000);
      return { kind: 'runs', dir, status, tags: list(values.tag, '--tag'), task: str(values.task, '--task'), limit, json: values.json === true };
    }
    case 'mcp': {
      noPositionals(positionals, first);
      return { kind: 'mcp', dir, readOnly: values['read-only'] === true };
    }
    default: {
      const [runId, ...extra] = positionals;
      if (runId === undefined) throw new UsageError('watch needs a RUN_ID, e.g. runlight watch run_abc123', first);
      noPositionals(extra, first);
      return { kind: 'watch', dir, runId };
    }
  }
}

export function parseJsonFlag(raw: string, flag: string): Json {
  try {
    return JSON.parse(raw) as Json;
  } catch (error) {
    throw new UsageError(`${flag} is not valid JSON: ${describeError(error)}`);
  }
}

function runStatus(s: string): RunStatus {
  const up = s.toUpperCase();
  if ((RUN_STATUSES as readonly string[]).includes(up)) return up as RunStatus;
  throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}; got "${s}"`);
}

function int(v: unknown, flag: string, min: number, max: number): number {
  const s = typeof v === 'string' ? v.trim() : '';
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${String(v)}"`);
  return n;
}

function str(v: unknown, flag: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`${flag} needs a value`);
  return v;
}

function list(v: unknown, flag: string): string[] {
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((i) => {
    if (typeof i !== 'string' || i === '') throw new UsageError(`${flag} needs a value`);
    return i;
  });
}

function noPositionals(extra: string[], command: string): void {
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" for "runlight ${command}"`, command);
}

function describeParseError(error: unknown, command: string): string {
  const e = error as { code?: string; message?: string };
  const msg = e.message ?? String(error);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const m = /Unknown option '([^']+)'/.exec(msg);
    return `unknown option ${m?.[1] ?? ''} for "runlight ${command}"`.replace('  ', ' ');
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const m = /Option '(?:-\w, )?(--[\w-]+)/.exec(msg);
    if (m && /argument missing/.test(msg)) return `${m[1]} needs a value`;
    if (m && /does not take an argument/.test(msg)) return `${m[1]} does not take a value`;
    if (m && /ambiguous/.test(msg)) return `${m[1]} needs a value; for a value starting with "-" write ${m[1]}=VALUE`;
  }
  return msg;
}
