/**
 * The compatibility suite's manifest: for each docs example in `fixtures/` (see extract.mjs), which task to
 * trigger with what, what it ends in on Trigger.dev (`upstream`), and, where Runlight differs today, what it ends in
 * here and why (`gap`): the suite asserts the gap's end, so it fails (and says "now runs unchanged") when support
 * lands. `notRun` lists the task-defining blocks of the same pages that cannot run here, with the reason.
 */

export type End =
  | {
      status: 'COMPLETED' | 'FAILED' | 'CANCELED';
      /** The run's error message matches. */
      error?: RegExp;
      /** The run's output, deep-equal. */
      output?: unknown;
      /** The run's whole metadata, deep-equal. */
      metadata?: Record<string, unknown>;
      /** Tags the run has (at least these). */
      tags?: string[];
      /** Stream key → the chunks it holds, in order. */
      streams?: Record<string, unknown[]>;
    }
  /** The task file fails to load; the engine's task list names the file with this error. */
  | { loadError: RegExp };

/** A payload made when the example runs (e.g. a date a second from now, or the engine's URL). */
export type PayloadOf = (env: { engineUrl: string }) => unknown;

export interface Example {
  /** File name in fixtures/ without `.ts`: `<page>--<block>`. */
  fixture: string;
  task: string;
  payload?: unknown | PayloadOf;
  options?: { tags?: string[]; metadata?: Record<string, unknown> };
  /** Cancel the run this long after triggering it. */
  cancelAfterMs?: number;
  /** Files beside the fixture in its folder: name → a fixture (`tasks-streams--2`) or a stub (`stubs/child-task`). */
  companions?: Record<string, string>;
  /** What Trigger.dev does with it. */
  upstream: End;
  /** Where Runlight differs today: its end, and why. */
  gap?: { end: End; why: string };
  /** Something to know: the example fails on Trigger.dev too, or an option it sets has no effect here. */
  note?: string;
}

export interface NotRun {
  source: string;
  why: string;
}

const ok: End = { status: 'COMPLETED' };
const STREAMS = { 'streams.ts': 'tasks-streams--2' };
const resetGap = {
  end: { status: 'FAILED', error: /idempotencyKeys\.reset\(\) is not supported/ },
  why: 'idempotencyKeys.reset is not supported yet',
} as const;
const windowGap = {
  end: { loadError: /cron\.window is not supported by Runlight/ },
  why: 'cron.window is not supported: the file loads with a warning, and ticks fire at their cron time',
} as const;
const inputStreamGap = {
  end: { loadError: /streams\.input\(\) is not supported/ },
  why: 'streams.input (input streams) is not supported: the streams module it imports does not load',
} as const;
const schedulePayload = () => ({
  timestamp: new Date().toISOString(),
  timezone: 'UTC',
  scheduleId: 'sched_docs',
  externalId: 'user_1',
  upcoming: [],
});
const batchTdz = {
  upstream: { status: 'FAILED', error: /Cannot access 'batch' before initialization/ },
  note: 'fails on Trigger.dev too: `const batch = await batch.retrieve(…)` reads the const it declares (a bug of the example)',
} as const;

export const EXAMPLES: Example[] = [
  { fixture: 'context--1', task: 'parent-task', payload: { message: 'hello' }, upstream: ok },
  { fixture: 'errors-retrying--1', task: 'my-task', payload: 'some data', upstream: ok },
  {
    fixture: 'errors-retrying--2',
    task: 'retry-on-throw',
    payload: {},
    upstream: ok,
  },
  { fixture: 'errors-retrying--6', task: 'openai-task', payload: { prompt: 'hi' }, upstream: { status: 'FAILED', error: /^OpenAI call failed$/ } },
  { fixture: 'errors-retrying--7', task: 'openai-task', payload: { prompt: 'hi' }, upstream: { status: 'COMPLETED', output: 'llama says hi' } },
  { fixture: 'hidden-tasks--1', task: 'internal-processing', payload: {}, upstream: ok },
  { fixture: 'hidden-tasks--2', task: 'main-workflow', payload: { input: 'abc' }, upstream: ok },
  { fixture: 'logging--1', task: 'logging-example', payload: { data: { user: 'ada' } }, upstream: ok },
  { fixture: 'logging--2', task: 'custom-trace', payload: {}, upstream: ok },
  {
    fixture: 'logging--3',
    task: 'process-queue',
    payload: { items: ['a', 'b'] },
    upstream: ok,
    gap: { end: { loadError: /otel\.metrics\.getMeter\(\) is not supported/ }, why: 'otel.metrics (OpenTelemetry metrics) is not supported' },
  },
  {
    fixture: 'wait-until--1',
    task: 'send-reminder-email',
    payload: () => ({ to: 'ada@example.com', name: 'Ada', date: new Date(Date.now() + 1500).toISOString() }),
    upstream: ok,
  },
  {
    fixture: 'tags--3',
    task: 'my-task',
    payload: { message: 'hello' },
    options: { tags: ['docs'] },
    upstream: { status: 'COMPLETED', tags: ['docs', 'product_1234567'] },
  },
  { fixture: 'tags--4', task: 'my-task', payload: { message: 'hello' }, options: { tags: ['org_docs'] }, upstream: ok },
  { fixture: 'idempotency--2', task: 'my-task', payload: {}, upstream: { status: 'FAILED', error: /^Something went wrong$/ } },
  { fixture: 'idempotency--3', task: 'my-task', payload: {}, upstream: ok },
  { fixture: 'idempotency--7', task: 'process-order', payload: { orderId: 'o1', email: 'ada@example.com' }, upstream: ok },
  { fixture: 'idempotency--8', task: 'sync-data', payload: { userId: 'u1' }, upstream: ok },
  { fixture: 'idempotency--9', task: 'onboard-user', payload: { userId: 'u1', email: 'ada@example.com' }, upstream: ok },
  { fixture: 'idempotency--18', task: 'parent-task', payload: { foo: 1 }, upstream: ok, gap: resetGap },
  { fixture: 'idempotency--20', task: 'parent-task', payload: { foo: 1 }, upstream: ok, gap: resetGap },
  { fixture: 'queue-concurrency--1', task: 'one-at-a-time', payload: {}, upstream: ok, note: 'queue concurrencyLimit is accepted but not enforced yet' },
  {
    fixture: 'queue-concurrency--2',
    task: 'task-1',
    payload: { message: 'hi' },
    upstream: ok,
    note: 'shared queue() limits are accepted but not enforced yet',
  },
  {
    fixture: 'queue-concurrency--3',
    task: 'generate-pull-request',
    payload: {},
    upstream: ok,
    note: 'queue concurrencyLimit is accepted but not enforced yet',
  },
  { fixture: 'queue-concurrency--6', task: 'parent-task', payload: {}, upstream: ok },
  { fixture: 'queue-concurrency--7', task: 'parent-task', payload: {}, upstream: ok, note: 'queue concurrencyLimit is accepted but not enforced yet' },
  {
    fixture: 'realtime-backend-input-streams--6',
    task: 'auto-reviewer',
    payload: { targetRunId: 'run_none' },
    companions: { 'streams.ts': 'tasks-streams--21' },
    upstream: ok,
    note: 'on Trigger.dev it sends to the run named by targetRunId, which must be waiting on the input stream',
    gap: inputStreamGap,
  },
  {
    fixture: 'runs-heartbeats--1',
    task: 'process-large-dataset',
    payload: { items: ['a', 'b', 'c'] },
    upstream: { status: 'COMPLETED', output: { processed: 3 } },
  },
  {
    fixture: 'runs-max-duration--2',
    task: 'max-duration-task',
    payload: {},
    upstream: { status: 'FAILED', error: /Cannot read properties of undefined \(reading 'durationMs'\)/ },
    note: 'fails on Trigger.dev too: usage.getCurrent() has `compute.attempt.durationMs`, the example reads `attempt.durationMs` (a bug of the example)',
  },
  { fixture: 'runs-max-duration--3', task: 'max-duration-task', payload: {}, upstream: ok },
  { fixture: 'runs-max-duration--4', task: 'max-duration-task', payload: {}, upstream: ok },
  { fixture: 'runs-max-duration--7', task: 'max-duration-task', payload: {}, upstream: ok },
  { fixture: 'runs-metadata--2', task: 'my-task', payload: { message: 'hi' }, options: { metadata: { user: { name: 'Eric' } } }, upstream: ok },
  { fixture: 'runs-metadata--3', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: { progress: 0.5 } } },
  { fixture: 'runs-metadata--5', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: { progress: 1 } } },
  { fixture: 'runs-metadata--7', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: { progress: 1 } } },
  { fixture: 'runs-metadata--8', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: {} } },
  {
    fixture: 'runs-metadata--9',
    task: 'my-task',
    payload: { message: 'hi' },
    upstream: { status: 'COMPLETED', metadata: { user: { name: 'Eric', id: 'user_1234' } } },
  },
  {
    fixture: 'runs-metadata--10',
    task: 'my-task',
    payload: { message: 'hi' },
    upstream: { status: 'COMPLETED', metadata: { progress: 0.1, logs: ['Step 1 complete'] } },
  },
  { fixture: 'runs-metadata--11', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: { progress: 0.1, logs: [] } } },
  { fixture: 'runs-metadata--12', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: { progress: 0.5 } } },
  { fixture: 'runs-metadata--13', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: { progress: 0.5 - 0.4 } } },
  { fixture: 'runs-metadata--14', task: 'my-task', payload: { message: 'hi' }, upstream: ok },
  {
    fixture: 'runs-metadata--15',
    task: 'my-task',
    payload: { url: 'http://127.0.0.1:9/' },
    upstream: { status: 'FAILED', error: /url is not defined/ },
    note: 'fails on Trigger.dev too: it logs `{ url }`, a variable it never declares (a bug of the example)',
  },
  { fixture: 'runs-metadata--17', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: { progress: 0.1 } } },
  {
    fixture: 'runs-metadata--18',
    task: 'my-task',
    payload: { message: 'hi' },
    upstream: { status: 'COMPLETED', metadata: { progress: 0.5, logs: ['Step 1 complete'], otherProgress: -0.1 } },
  },
  { fixture: 'runs-metadata--19', task: 'my-parent-task', payload: { message: 'hi' }, upstream: ok },
  { fixture: 'runs-metadata--22', task: 'handle-csv-upload', payload: { url: 'https://example.com/rows.csv' }, upstream: ok },
  {
    fixture: 'runs-metadata--23',
    task: 'batch-processing',
    payload: { records: [{ id: 'r1' }, { id: 'r2' }] },
    upstream: { status: 'COMPLETED', metadata: { progress: { step: 2, total: 2, percentage: 100, currentRecord: 'r2' } } },
  },
  {
    fixture: 'runs-metadata--24',
    task: 'deployment',
    payload: { version: '1.0.0' },
    upstream: {
      status: 'COMPLETED',
      metadata: {
        status: 'completed',
        logs: ['Starting deployment...', 'Building application...', 'Deploying to production...', 'Running health checks...', 'Deployment successful!'],
      },
    },
  },
  { fixture: 'runs-metadata--25', task: 'user-task', payload: { userId: 'u1', action: 'export' }, upstream: ok },
  { fixture: 'runs-metadata--26', task: 'my-task', payload: { message: 'hi' }, upstream: { status: 'COMPLETED', metadata: { progress: 0.5 } } },
  {
    fixture: 'runs-metadata--28',
    task: 'my-task',
    payload: { message: 'hi' },
    options: { metadata: { user: { name: 'Eric', id: 'user_1234' }, date: '2026-01-01T00:00:00.000Z' } },
    upstream: ok,
  },
  { fixture: 'tasks-schemaTask--1', task: 'my-task', payload: { name: 'Ada', age: 36 }, upstream: ok },
  { fixture: 'tasks-schemaTask--3', task: 'my-task', payload: { age: 36, dob: '1990-01-01' }, upstream: ok },
  { fixture: 'tasks-schemaTask--9', task: 'types/zod', payload: { bar: 'x' }, upstream: ok },
  { fixture: 'tasks-schemaTask--17', task: 'types/custom-parser', payload: { bar: 'x', baz: 'y' }, upstream: ok },
  { fixture: 'tasks-scheduled--1', task: 'first-scheduled-task', payload: schedulePayload, upstream: ok },
  { fixture: 'tasks-scheduled--2', task: 'frequent-task', payload: schedulePayload, upstream: ok },
  { fixture: 'tasks-scheduled--3', task: 'first-scheduled-task', payload: schedulePayload, upstream: ok },
  { fixture: 'tasks-scheduled--4', task: 'second-scheduled-task', payload: schedulePayload, upstream: ok },
  { fixture: 'tasks-scheduled--5', task: 'daily-report', payload: schedulePayload, upstream: ok, gap: windowGap },
  { fixture: 'tasks-scheduled--10', task: 'todo-reminder', payload: schedulePayload, upstream: ok },
  {
    fixture: 'tasks-streams--3',
    task: 'stream-task',
    payload: { prompt: 'hi' },
    companions: STREAMS,
    upstream: { status: 'COMPLETED', output: { message: 'Stream completed' }, streams: { ai: ['echo: hi', ' (stub)'] } },
  },
  {
    fixture: 'tasks-streams--6',
    task: 'append-task',
    payload: {},
    companions: STREAMS,
    upstream: {
      status: 'COMPLETED',
      streams: {
        logs: ['Processing started', 'Step 1 complete', 'All steps complete'],
        progress: [
          { step: 'Initialization', percent: 0 },
          { step: 'Processing', percent: 50 },
          { step: 'Complete', percent: 100 },
        ],
      },
    },
  },
  {
    fixture: 'tasks-streams--7',
    task: 'writer-task',
    payload: {},
    companions: STREAMS,
    upstream: { status: 'COMPLETED', streams: { logs: ['Chunk 1', 'Chunk 2', 'Chunk 3', 'Chunk 4', 'Chunk 5'] } },
  },
  {
    fixture: 'tasks-streams--9',
    task: 'direct-stream',
    payload: { prompt: 'hi' },
    upstream: { status: 'COMPLETED', streams: { 'ai-output': ['echo: hi', ' (stub)'] } },
  },
  {
    fixture: 'tasks-streams--11',
    task: 'direct-append',
    payload: {},
    upstream: { status: 'COMPLETED', streams: { logs: ['Processing started', 'Complete'], progress: ['50%'] } },
  },
  { fixture: 'tasks-streams--12', task: 'direct-writer', payload: {}, upstream: { status: 'COMPLETED', streams: { output: ['Chunk 1', 'Chunk 2'] } } },
  { fixture: 'tasks-streams--14', task: 'child-task', payload: {}, companions: STREAMS, upstream: ok },
  { fixture: 'tasks-streams--15', task: 'child-task', payload: {}, upstream: ok },
  {
    fixture: 'tasks-streams--22',
    task: 'publish-post',
    payload: { postId: 'p1' },
    companions: { 'streams.ts': 'tasks-streams--21' },
    upstream: ok,
    note: 'on Trigger.dev it waits (up to 7 days) for an approval sent to its input stream',
    gap: inputStreamGap,
  },
  { fixture: 'tasks-streams--32', task: 'my-task', payload: {}, upstream: ok },
  {
    fixture: 'tasks-streams--33',
    task: 'my-task',
    payload: {},
    companions: { 'streams.ts': 'tasks-streams--31' },
    upstream: { status: 'COMPLETED', streams: { 'my-stream': ['chunk 1', 'chunk 2'] } },
  },
  { fixture: 'tasks-streams--36', task: 'my-task', payload: {}, upstream: { status: 'COMPLETED', streams: { 'my-stream': ['chunk 1', 'chunk 2'] } } },
  { fixture: 'triggering--7', task: 'my-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--8', task: 'my-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--9', task: 'my-task', payload: 'x', ...batchTdz },
  { fixture: 'triggering--10', task: 'my-task', payload: 'x', ...batchTdz },
  { fixture: 'triggering--11', task: 'my-task', payload: 'x', ...batchTdz },
  { fixture: 'triggering--12', task: 'batch-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--13', task: 'loop-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--14', task: 'parent-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--15', task: 'parent-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--16', task: 'parent-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--17', task: 'parent-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--18', task: 'batch-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--19', task: 'loop-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--21', task: 'parent-task', payload: 'x', upstream: ok },
  {
    fixture: 'triggering--22',
    task: 'parent-task',
    payload: 'x',
    upstream: ok,
    note: 'its child-task-2 fails on Trigger.dev too (`return bar + 1` reads an undeclared `bar`); the parent handles it',
  },
  { fixture: 'triggering--23', task: 'parent-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--24', task: 'parent-task', payload: 'x', upstream: ok },
  { fixture: 'triggering--32', task: 'my-task', payload: { foo: 1 }, upstream: ok },
  { fixture: 'triggering--33', task: 'my-task', payload: { foo: 1 }, upstream: ok },
  {
    fixture: 'triggering--37',
    task: 'parent-task',
    payload: 'x',
    upstream: ok,
    note: 'the `debounce` trigger option is dropped here: the child runs at once instead of 3 s later',
  },
  { fixture: 'triggering--38', task: 'generate-pull-request', payload: {}, upstream: ok, note: 'queue concurrencyLimit is accepted but not enforced yet' },
  { fixture: 'triggering--44', task: 'my-task', payload: { userIds: ['u1', 'u2'] }, upstream: ok },
  {
    fixture: 'triggering--46',
    task: 'parent-task',
    payload: { userIds: ['u1', 'u2'] },
    companions: { 'child-task.ts': 'stubs/child-task' },
    upstream: ok,
  },
  { fixture: 'triggering--49', task: 'my-task', payload: (({ engineUrl }) => ({ url: `${engineUrl}/healthz` })) satisfies PayloadOf, upstream: ok },
  { fixture: 'tasks-overview--1', task: 'hello-world', payload: { message: 'hi' }, upstream: ok },
  { fixture: 'tasks-overview--3', task: 'task-with-retries', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--4', task: 'one-at-a-time', payload: {}, upstream: ok, note: 'queue concurrencyLimit is accepted but not enforced yet' },
  {
    fixture: 'tasks-overview--5',
    task: 'heavy-task',
    payload: {},
    upstream: ok,
    note: 'machine presets have no meaning locally: the run gets a worker process like any other',
  },
  { fixture: 'tasks-overview--6', task: 'long-task', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--7', task: 'time-sensitive-task', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--12', task: 'my-task', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--13', task: 'task-with-on-start-attempt', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--16', task: 'my-task', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--18', task: 'task-with-on-success', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--22', task: 'task-with-on-failure', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--26', task: 'cancel-example', payload: { message: 'hi' }, cancelAfterMs: 1000, upstream: { status: 'CANCELED' } },
  { fixture: 'tasks-overview--27', task: 'task-with-on-start', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--29', task: 'task-with-init', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--30', task: 'task-with-init-return', payload: {}, upstream: ok },
  { fixture: 'tasks-overview--31', task: 'task-with-cleanup', payload: {}, upstream: ok },
];

const AI = 'needs the `ai` and `@ai-sdk/openai` packages (not installed here) and a model API; `@trigger.dev/sdk/ai` is not served by Runlight';
export const NOT_RUN: NotRun[] = [
  { source: 'docs/tasks-regular.mdx block 1 (line 28)', why: 'waits 3 days between two emails (and needs Resend): takes too long for the suite' },
  { source: 'docs/errors-retrying.mdx block 3 (line 110)', why: 'fetches http://my.host and httpbin.org: needs those services' },
  { source: 'docs/errors-retrying.mdx block 4 (line 207)', why: 'imports ./openai.js, a helper the page does not show, and calls the OpenAI API' },
  { source: 'docs/hidden-tasks.mdx block 3 (line 46)', why: 'imports @repo/tasks, a package of the reader’s own monorepo' },
  { source: 'docs/wait-for.mdx block 1 (line 10)', why: 'waits 5 s, 10 min, 1 h, 1 day, 1 week, 1 month and 1 year: takes too long for the suite' },
  { source: 'docs/idempotency.mdx block 13 (line 283)', why: 'waits 61 s: takes too long for the suite (and uses idempotencyKeys.create)' },
  { source: 'docs/runs/metadata.mdx block 16 (line 340)', why: 'streams a completion from the OpenAI API' },
  { source: 'docs/tasks/schemaTask.mdx block 5 (line 87)', why: AI },
  { source: 'docs/tasks/schemaTask.mdx block 6 (line 130)', why: `${AI}; also @e2b/code-interpreter` },
  { source: 'docs/tasks/schemaTask.mdx block 7 (line 177)', why: AI },
  { source: 'docs/tasks/schemaTask.mdx block 8 (line 214)', why: AI },
  { source: 'docs/tasks/schemaTask.mdx block 10 (line 255)', why: 'needs the yup package (not installed here)' },
  { source: 'docs/tasks/schemaTask.mdx block 11 (line 273)', why: 'needs the superstruct package (not installed here)' },
  { source: 'docs/tasks/schemaTask.mdx block 12 (line 291)', why: 'needs the arktype package (not installed here)' },
  { source: 'docs/tasks/schemaTask.mdx block 13 (line 309)', why: 'needs the @effect/schema package (not installed here)' },
  { source: 'docs/tasks/schemaTask.mdx block 14 (line 329)', why: 'needs the runtypes package (not installed here)' },
  { source: 'docs/tasks/schemaTask.mdx block 15 (line 347)', why: 'needs the valibot package (not installed here)' },
  { source: 'docs/tasks/schemaTask.mdx block 16 (line 371)', why: 'needs @sinclair/typebox and @typeschema/typebox (not installed here)' },
  { source: 'docs/tasks/overview.mdx block 11 (line 265)', why: 'a fragment: the task has no id, and ./db is not shown' },
  { source: 'docs/tasks/overview.mdx block 15 (line 333)', why: 'a fragment: the task has no run function' },
  { source: 'docs/tasks/overview.mdx block 20 (line 416)', why: 'does not parse (unbalanced braces, an undeclared `result`): a bug of the example' },
  { source: 'docs/tasks/overview.mdx block 25 (line 499)', why: AI },
  {
    source: 'docs/tasks/streams.mdx block 13 (line 318)',
    why: 'a fragment: mixes the task with client code (`await streams.read(runId)` at the top level, runId undeclared)',
  },
  { source: 'docs/tasks/streams.mdx block 29 (line 675)', why: AI },
];
