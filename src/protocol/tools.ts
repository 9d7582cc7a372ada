import * as z from 'zod/mini';
import './zod-locale';
import { RUN_STATUSES } from '../shared/status';
import { WaitTokenStatus } from './waitpoints';

/**
 * Inputs of the assistant tools (`runlight mcp` and the VS Code language-model tools): one object schema per tool.
 * Their JSON Schema (`z.toJSONSchema(schema, { io: 'input' })`) is what MCP clients are shown, and what
 * package.json's `languageModelTools` carry (a unit test keeps the two equal).
 */

const d = (text: string) => z.describe(text);
const runId = z.string().check(z.minLength(1), d('The run id, e.g. run_abc123.'));
const maxChars = (what: string, def: number) =>
  z._default(z.number().check(z.int(), z.minimum(200), z.maximum(100_000), d(`Longest ${what} returned, in characters (default ${def}).`)), def);

export const ListTasksInput = z.strictObject({});

export const TriggerTaskInput = z.strictObject({
  taskId: z.string().check(z.minLength(1), d('The id of the task to run (see list_tasks).')),
  payload: z.optional(z.unknown().check(d('The JSON payload of the run; checked against the task payload schema when it has one.'))),
  tags: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(10), d('Tags for the run (at most 10).'))),
  idempotencyKey: z.optional(z.string().check(z.minLength(1), d('Runs triggered again with the same key return the first run.'))),
  delay: z.optional(z.string().check(z.minLength(1), d('Start the run later: a duration such as "30s" or "5m", or an ISO date.'))),
});

export const GetRunInput = z.strictObject({
  runId,
  maxChars: maxChars('text of the output, error and metadata', 4000),
});

export const ListRunsInput = z.strictObject({
  status: z.optional(z.array(z.enum(RUN_STATUSES)).check(d('Only runs in one of these statuses.'))),
  taskId: z.optional(z.string().check(z.minLength(1), d('Only runs of this task.'))),
  tags: z.optional(z.array(z.string().check(z.minLength(1))).check(d('Only runs having all these tags.'))),
  batchId: z.optional(z.string().check(z.minLength(1), d('Only runs of this batch.'))),
  parentRunId: z.optional(z.string().check(z.minLength(1), d('Only the runs this run triggered from inside its task (its children).'))),
  createdWithin: z.optional(z.string().check(z.regex(/^\d+[smhdw]$/), d('Only runs created within this window before now, e.g. "30m", "2h", "7d".'))),
  createdAfter: z.optional(z.iso.datetime({ offset: true }).check(d('Only runs created at or after this ISO date-time.'))),
  limit: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(200), d('At most this many runs, newest first (default 20).')), 20),
});

export const WaitForRunInput = z.strictObject({
  runId,
  timeoutSeconds: z._default(z.number().check(z.minimum(1), z.maximum(600), d('Give up waiting after this many seconds (default 60); the run goes on.')), 60),
  maxChars: maxChars('text of the output or error', 4000),
});

export const GetRunLogsInput = z.strictObject({
  runId,
  level: z.optional(z.enum(['debug', 'log', 'info', 'warn', 'error']).check(d('Only lines of this level and above.'))),
  maxChars: maxChars('log text (the last lines are kept)', 8000),
});

export const GetRunStreamInput = z.strictObject({
  runId,
  key: z.optional(z.string().check(z.minLength(1), d('The stream key (see get_run); default: the run only stream, or "default".'))),
  raw: z._default(z.boolean().check(d('Return every chunk as a JSON line instead of the text the LLM events carry.')), false),
  maxChars: maxChars('text', 8000),
});

export const RunIdInput = z.strictObject({ runId });

export const ListWaitTokensInput = z.strictObject({
  status: z.optional(z.array(WaitTokenStatus).check(d('Only tokens in one of these statuses.'))),
  tags: z.optional(z.array(z.string().check(z.minLength(1))).check(d('Only tokens having all these tags.'))),
  limit: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100), d('At most this many tokens, newest first (default 20).')), 20),
});

export const CompleteWaitTokenInput = z.strictObject({
  tokenId: z.string().check(z.minLength(1), d('The wait token id, e.g. waitpoint_abc123 (see list_wait_tokens).')),
  data: z.optional(z.unknown().check(d('The JSON value the waiting run receives as the token output.'))),
});
