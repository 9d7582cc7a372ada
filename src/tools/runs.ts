import type { EngineClient, ListRunsParams } from '../client/api';
import type { Run } from '../protocol/run';
import { GetRunInput, ListRunsInput, RunIdInput, WaitForRunInput } from '../protocol/tools';
import { isTerminal } from '../shared/status';
import { runDetails, runLine } from './summary';
import { plural } from './text';
import { defineTool, ToolError, type ToolContext } from './tool';

export const getRun = defineTool({
  name: 'get_run',
  title: 'Get a run',
  description:
    'One run: status, timings, payload, output or error, metadata, tags, batch, the names of its streams, its parent ' +
    'and the runs it triggered (children). Long values are cut to maxChars with a note of how much was cut.',
  input: GetRunInput,
  writes: false,
  async run(input, ctx) {
    const client = await ctx.engine();
    const run = await client.retrieveRun(input.runId);
    const children = await client.listRuns({ parentRunId: run.id, pageSize: CHILDREN_SHOWN + 1 });
    const now = Date.now();
    const lines = children.data.slice(0, CHILDREN_SHOWN).map((c) => `  ${runLine(c, now)}`);
    const more = children.data.length > CHILDREN_SHOWN ? `\n  … and more: list_runs with parentRunId "${run.id}"` : '';
    const parent = run.parentTaskRunId ? `\nparent: ${run.parentTaskRunId}` : '';
    const kids = lines.length ? `\nchildren (${lines.length}${more ? '+' : ''}, newest first):\n${lines.join('\n')}${more}` : '';
    return runDetails(run, { maxChars: input.maxChars, payload: true }) + parent + kids;
  },
});

/** How many children `get_run` lists. */
const CHILDREN_SHOWN = 20;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_PAGES = 20;

export const listRuns = defineTool({
  name: 'list_runs',
  title: 'List runs',
  description: 'Recent runs, newest first, one line each, filtered by status, task, tags (all of them), batch, parent run and creation time.',
  input: ListRunsInput,
  writes: false,
  async run(input, ctx) {
    const client = await ctx.engine();
    const now = Date.now();
    const within = input.createdWithin ? now - Number(input.createdWithin.slice(0, -1)) * UNITS[input.createdWithin.slice(-1)]! : undefined;
    const after = input.createdAfter ? Date.parse(input.createdAfter) : undefined;
    const since = Math.max(within ?? -Infinity, after ?? -Infinity);
    const params: ListRunsParams = {
      ...(input.status?.length ? { status: input.status } : {}),
      ...(input.taskId ? { taskIdentifier: input.taskId } : {}),
      ...(input.tags?.length ? { tag: input.tags } : {}),
      ...(input.batchId ? { batch: input.batchId } : {}),
      ...(input.parentRunId ? { parentRunId: input.parentRunId } : {}),
      pageSize: Math.min(100, input.limit),
    };
    const runs: Run[] = [];
    let more = false;
    // The route pages newest first; the time filter is applied here, stopping at the first older run.
    for (let page = 0, cursor: string | undefined; page < MAX_PAGES; page++) {
      const res = await client.listRuns({ ...params, ...(cursor ? { after: cursor } : {}) });
      let older = false;
      for (const run of res.data) {
        if (Date.parse(run.createdAt) < since) {
          older = true;
          break;
        }
        if (runs.length === input.limit) {
          more = true;
          break;
        }
        runs.push(run);
      }
      cursor = res.pagination.next;
      if (older || more || !cursor) break;
      if (runs.length === input.limit) {
        more = true;
        break;
      }
    }
    if (runs.length === 0) return 'No runs match.';
    const head = `${plural(runs.length, 'run')}${more ? ` (more match: raise limit or narrow the filters)` : ''}:`;
    return [head, ...runs.map((r) => `- ${runLine(r, now)}`)].join('\n');
  },
});

export const waitForRun = defineTool({
  name: 'wait_for_run',
  title: 'Wait for a run',
  description:
    'Waits until a run finishes (COMPLETED, FAILED, CANCELED, …) or timeoutSeconds pass, reporting progress meanwhile; ' +
    'returns the run summary with its output or error. On timeout the run goes on: call it again.',
  input: WaitForRunInput,
  writes: false,
  async run(input, ctx) {
    const client = await ctx.engine();
    const started = Date.now();
    const last = await followUntilFinished(client, input.runId, input.timeoutSeconds * 1000, ctx);
    if (!last) throw new ToolError(`runId: the engine sent nothing for run ${input.runId}`);
    const waited = ((Date.now() - started) / 1000).toFixed(1);
    const finished = isTerminal(last.status) || last.finishedAt !== undefined;
    const head = finished
      ? `Run ${last.id} finished: ${last.status}.`
      : `Run ${last.id} is still ${last.status} after ${waited}s (it goes on; call wait_for_run again to keep waiting).`;
    return `${head}\n${runDetails(last, { maxChars: input.maxChars })}`;
  },
});

/** Follows a run's feed until it is finished or `timeoutMs` pass; the last state seen. Progress every change and every 5 s. */
async function followUntilFinished(
  client: EngineClient,
  runId: string,
  timeoutMs: number,
  ctx: Pick<ToolContext, 'signal' | 'progress'>,
): Promise<Run | undefined> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onOuter = () => controller.abort();
  ctx.signal?.addEventListener('abort', onOuter, { once: true });
  const started = Date.now();
  let last: Run | undefined;
  let reported = 0;
  const report = () => {
    if (!ctx.progress || !last) return;
    const progress = Math.max(reported + 0.001, (Date.now() - started) / 1000);
    reported = progress;
    void Promise.resolve(ctx.progress({ progress, total: timeoutMs / 1000, message: `${last.id} is ${last.status}` })).catch(() => undefined);
  };
  const heartbeat = setInterval(report, 5000);
  try {
    for await (const run of client.subscribeToRun(runId, { signal: controller.signal })) {
      const changed = last?.status !== run.status;
      last = run;
      if (changed && !isTerminal(run.status)) report();
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    if (!timedOut) throw new ToolError('wait_for_run was cancelled');
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeat);
    ctx.signal?.removeEventListener('abort', onOuter);
  }
  return last;
}

export const cancelRun = defineTool({
  name: 'cancel_run',
  title: 'Cancel a run',
  description: 'Cancels a queued, delayed, waiting or executing run: its task signal is aborted and the run ends CANCELED.',
  input: RunIdInput,
  writes: true,
  confirm: (input) => ({ title: `Cancel run ${input.runId}?`, message: `Runlight will cancel the run **${input.runId}**; its task is told to stop.` }),
  async run(input, ctx) {
    const client = await ctx.engine();
    const before = await client.retrieveRun(input.runId);
    if (isTerminal(before.status)) throw new ToolError(`runId: run ${before.id} already finished (${before.status}); nothing to cancel.`);
    await client.cancelRun(input.runId);
    const after = await followUntilFinished(client, input.runId, 5000, { signal: ctx.signal });
    const status = after ? after.status : 'unknown';
    const head =
      after && isTerminal(after.status)
        ? `Cancelled run ${input.runId}: it is now ${status}.`
        : `Cancel requested for run ${input.runId}; it is ${status} while its task stops.`;
    return after ? `${head}\n${runLine(after)}` : head;
  },
});

export const replayRun = defineTool({
  name: 'replay_run',
  title: 'Replay a run',
  description: 'Starts a new run of the same task with the same payload and tags as an earlier run; returns the new run id.',
  input: RunIdInput,
  writes: true,
  confirm: (input) => ({ title: `Replay run ${input.runId}?`, message: `Runlight will run the task of **${input.runId}** again with the same payload.` }),
  async run(input, ctx) {
    const { id } = await (await ctx.engine()).replayRun(input.runId);
    const lines = [`Replayed run ${input.runId} as new run ${id}.`, `Wait for its result with wait_for_run {"runId":"${id}"}.`];
    const hint = ctx.watchHint?.(id);
    if (hint) lines.push(hint);
    return lines.join('\n');
  },
});
