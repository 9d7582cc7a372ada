/**
 * Runs triggered from inside a task: each becomes a child of the run (parent, root and depth), by any API; and
 * Trigger.dev's `triggerAndWait` / `batchTriggerAndWait` family, which parks the run until its children finish.
 */

import type { RunError } from '../../protocol/run';
import type { WaitedRun } from '../../protocol/ipc';
import { batch as backendBatch, tasks as backendTasks } from '../backend';
import { fromTyped } from '../../protocol/values';
import type { BatchRunHandle, TriggerOptions } from '../backend/trigger';
import { collectBatchItems, type BatchItems } from '../backend/items';
import { toIdempotencyKey } from '../backend/idempotency';
import { currentRuntime, requireRuntime } from './runtime';
import type { TaskWait } from './hookSet';

/** How a child run ended, as `triggerAndWait` gives it: its output, or its error. */
export type TaskRunResult<TIdentifier extends string = string, TOutput = unknown> =
  { ok: true; id: string; taskIdentifier: TIdentifier; output: TOutput } | { ok: false; id: string; taskIdentifier: TIdentifier; error: unknown };

/** What the batch forms of `triggerAndWait` give: the batch id and one result per item, in order. */
export interface BatchResult<TIdentifier extends string = string, TOutput = unknown> {
  id: string;
  runs: TaskRunResult<TIdentifier, TOutput>[];
}

/** Thrown by `.unwrap()` when the child run did not complete; `cause` is the child's error. */
export class SubtaskUnwrapError extends Error {
  readonly taskId: string;
  readonly runId: string;
  override readonly cause?: unknown;

  constructor(taskId: string, runId: string, subtaskError: unknown) {
    super(subtaskError instanceof Error ? `Error in ${taskId}: ${subtaskError.message}` : `Error in ${taskId}`);
    this.name = 'SubtaskUnwrapError';
    this.taskId = taskId;
    this.runId = runId;
    this.cause = subtaskError;
  }
}

/** The promise `triggerAndWait` returns: a TaskRunResult, or with `.unwrap()` the output itself. */
export class TaskRunPromise<TIdentifier extends string = string, TOutput = unknown> extends Promise<TaskRunResult<TIdentifier, TOutput>> {
  // `.then()` and friends make plain promises, so the constructor below is only called by `runAndWait`.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  constructor(
    executor: (resolve: (value: TaskRunResult<TIdentifier, TOutput>) => void, reject: (reason?: unknown) => void) => void,
    private readonly taskId: string,
  ) {
    super(executor);
  }

  /** The output of a run that completed; throws SubtaskUnwrapError (the child's error as `cause`) otherwise. */
  unwrap(): Promise<TOutput> {
    return this.then((r) => {
      if (r.ok) return r.output;
      throw new SubtaskUnwrapError(this.taskId, r.id, r.error);
    });
  }
}

/**
 * Inside a task, runs it triggers become its children (metadata.parent / root then reach it), and a raw
 * idempotency key is scoped to this run (hashed with its id, as Trigger.dev v4 does): a retry of this run finds the
 * child its earlier attempt triggered, another run triggers its own.
 */
export function withParent<T extends { parentRunId?: string; idempotencyKey?: string | string[] }>(options: T | undefined): T | undefined {
  const rt = currentRuntime();
  if (!rt) return options;
  const out = { ...options } as T;
  out.parentRunId ||= rt.ctx.run.id;
  if (out.idempotencyKey !== undefined) out.idempotencyKey = toIdempotencyKey(out.idempotencyKey, [rt.ctx.run.id]);
  return out;
}

/**
 * A child triggered with a waiting form: a child of this run, with the attempt's next child key unless the caller gave
 * an idempotency key (see `AttemptRuntime.nextChildKey`).
 */
function waitingChild<T extends { parentRunId?: string; idempotencyKey?: string | string[] }>(options: T | undefined, key: string): T | undefined {
  const o = withParent(options);
  return o?.idempotencyKey ? o : ({ ...o, idempotencyKey: key } as T);
}

/** The child's error as an Error (name, message, stack), as upstream gives it back. */
function toError(e: RunError | undefined): Error {
  const err = new Error(e?.message ?? 'the run did not complete');
  if (e?.name) err.name = e.name;
  if (e?.stackTrace) err.stack = e.stackTrace;
  return err;
}

/** The child's result; its output with its Dates, Maps, BigInts… rebuilt, as the child returned it. */
function toResult<TId extends string, TOutput>(r: WaitedRun): TaskRunResult<TId, TOutput> {
  const taskIdentifier = r.taskIdentifier as TId;
  if (!r.ok) return { ok: false, id: r.id, taskIdentifier, error: toError(r.error) };
  return { ok: true, id: r.id, taskIdentifier, output: fromTyped(r.output, r.outputMeta, `the output of run ${r.id}`) as TOutput };
}

/** Parks this run until every run of `ids` finished (`onWait` / `onResume` see it as `hookWait`); their results in the same order. */
export async function waitForRuns(what: string, ids: readonly string[], hookWait: TaskWait): Promise<WaitedRun[]> {
  const rt = requireRuntime(what);
  if (ids.length === 0) return [];
  if (!rt.transport.wait) throw new Error(`${what} needs the Runlight worker (it waits through the engine)`);
  await rt.metadata.flush();
  await rt.hooks.wait(hookWait);
  const runs = await rt.transport.wait({ kind: 'runs', runIds: [...ids] });
  await rt.hooks.resume(hookWait);
  if (!runs || runs.length !== ids.length) throw new Error(`${what}: the engine resumed the run without the results of the runs it waited for`);
  return runs;
}

type Options = TriggerOptions;

/** Triggers one run of `taskId` as a child of this run, and waits for it. */
export function triggerAndWait<TId extends string, TOutput>(taskId: TId, payload: unknown, options?: Options): TaskRunPromise<TId, TOutput> {
  return new TaskRunPromise<TId, TOutput>((resolve, reject) => {
    (async () => {
      const rt = requireRuntime(`${taskId}.triggerAndWait()`);
      const handle = await backendTasks.trigger(taskId, payload, waitingChild(options, rt.nextChildKey()));
      const [run] = await waitForRuns(`${taskId}.triggerAndWait()`, [handle.id], { type: 'task', runId: handle.id });
      return toResult<TId, TOutput>(run!);
    })().then(resolve, reject);
  }, taskId);
}

/** Waits for the runs of a batch this run triggered; one result per run, in order. */
async function waitForBatch<TId extends string, TOutput>(what: string, handle: BatchRunHandle): Promise<BatchResult<TId, TOutput>> {
  const runs = await waitForRuns(
    what,
    handle.runs.map((r) => r.id),
    { type: 'batch', batchId: handle.batchId, runCount: handle.runs.length },
  );
  return { id: handle.batchId, runs: runs.map((r) => toResult<TId, TOutput>(r)) };
}

/** Triggers a batch of runs of `taskId` as children of this run, and waits for all of them. */
export async function batchTriggerAndWait<TId extends string, TOutput>(
  taskId: TId,
  items: BatchItems<{ payload?: unknown; options?: Options }>,
): Promise<BatchResult<TId, TOutput>> {
  const what = `${taskId}.batchTriggerAndWait()`;
  const rt = requireRuntime(what);
  const list = await collectBatchItems(items, what);
  const handle = await backendTasks.batchTrigger(
    taskId,
    list.map((i) => ({ payload: i.payload, options: waitingChild(i.options, rt.nextChildKey()) })),
  );
  return waitForBatch(what, handle);
}

// A task type's id and output, from the task objects `task()` returns (their trigger and run signatures).
type IdOf<T> = T extends { id: infer I extends string } ? I : string;
type OutputOf<T> = T extends { triggerAndWait: (...args: never[]) => TaskRunPromise<string, infer O> } ? O : unknown;

/** `tasks.*` for task code: the backend's, with children and the waiting forms. */
export const tasks = {
  triggerAndSubscribe: backendTasks.triggerAndSubscribe,
  trigger: ((taskId, payload, options) => backendTasks.trigger(taskId, payload, withParent(options))) as typeof backendTasks.trigger,
  batchTrigger: (async (taskId, items) =>
    backendTasks.batchTrigger(
      taskId,
      (await collectBatchItems(items, `${taskId}.batchTrigger()`)).map((i) => ({ ...i, options: withParent(i.options) })),
    )) as typeof backendTasks.batchTrigger,
  /** `tasks.triggerAndWait<typeof myTask>("my-task", payload)`. */
  triggerAndWait<TTask = unknown>(taskId: IdOf<TTask>, payload: unknown, options?: Options): TaskRunPromise<IdOf<TTask>, OutputOf<TTask>> {
    return triggerAndWait<IdOf<TTask>, OutputOf<TTask>>(taskId, payload, options);
  },
  batchTriggerAndWait<TTask = unknown>(
    taskId: IdOf<TTask>,
    items: BatchItems<{ payload?: unknown; options?: Options }>,
  ): Promise<BatchResult<IdOf<TTask>, OutputOf<TTask>>> {
    return batchTriggerAndWait<IdOf<TTask>, OutputOf<TTask>>(taskId, items);
  },
};

type ByIdItem = { id: string; payload?: unknown; options?: Options };
type ByTaskItem = { task: { id: string } | string; payload?: unknown; options?: Options };

/** `batch.*` for task code: the backend's, with children and the waiting forms. */
export const batch = {
  retrieve: backendBatch.retrieve,
  trigger: (async (items: BatchItems<ByIdItem>) =>
    backendBatch.trigger(
      (await collectBatchItems(items, 'batch.trigger()')).map((i) => ({ ...i, options: withParent(i.options) })),
    )) as typeof backendBatch.trigger,
  triggerByTask: (async (items: BatchItems<ByTaskItem>) =>
    backendBatch.triggerByTask(
      (await collectBatchItems(items, 'batch.triggerByTask()')).map((i) => ({ ...i, options: withParent(i.options) })),
    )) as typeof backendBatch.triggerByTask,
  /** Runs of several tasks (by id) as children of this run; waits for all of them. */
  async triggerAndWait<TTask = unknown>(items: BatchItems<ByIdItem>): Promise<BatchResult<IdOf<TTask>, OutputOf<TTask>>> {
    const what = 'batch.triggerAndWait()';
    const rt = requireRuntime(what);
    const list = await collectBatchItems(items, what);
    return waitForBatch(what, await backendBatch.trigger(list.map((i) => ({ ...i, options: waitingChild(i.options, rt.nextChildKey()) }))));
  },
  /** Runs of several tasks (task objects) as children of this run; waits for all of them. */
  async triggerByTaskAndWait<TTask = unknown>(items: BatchItems<ByTaskItem>): Promise<BatchResult<IdOf<TTask>, OutputOf<TTask>>> {
    const what = 'batch.triggerByTaskAndWait()';
    const rt = requireRuntime(what);
    const list = await collectBatchItems(items, what);
    return waitForBatch(what, await backendBatch.triggerByTask(list.map((i) => ({ ...i, options: waitingChild(i.options, rt.nextChildKey()) }))));
  },
};
