import type { TaskRunContext } from './runtime';
import { HookSet, type AnyHook, type DefinitionHooks, type HookKind } from './hookSet';

export interface RetryOptions {
  maxAttempts?: number;
  minTimeoutInMs?: number;
  maxTimeoutInMs?: number;
  factor?: number;
  randomize?: boolean;
}

export interface RunFnParams<TInit = Record<string, unknown> | void | undefined> {
  ctx: TaskRunContext;
  /** Aborted when the run is cancelled or passes its maxDuration; the worker is killed a grace period later. */
  signal: AbortSignal;
  /** What the `init` hooks returned, merged. */
  init?: TInit;
}

/** What the worker needs to run a task; one per `task()`/`schemaTask()` call. */
export interface TaskDefinition {
  id: string;
  run: (payload: unknown, params: RunFnParams) => unknown;
  /** Set by schemaTask: parses the raw payload before `run`; throws TaskPayloadParsedError. */
  parsePayload?: (payload: unknown) => Promise<unknown>;
  maxDuration?: number;
  retry?: RetryOptions;
  /** The queue its runs go to: its own (`task/<id>`) unless it names a shared one. */
  queue: TaskQueue;
  machine?: unknown;
  description?: string;
  /** The payload's JSON Schema (the `jsonSchema` option, or a schemaTask's schema as JSON Schema), read when the task is indexed. */
  payloadSchema?: () => unknown;
  /** Set by `schedules.task`: the task is a scheduled task (runs get a schedule payload). */
  triggerSource?: 'schedule';
  /** `schedules.task({ cron })`: the declarative schedule the engine registers for it. */
  schedule?: { cron: string; timezone: string };
  /** Problems with the definition that do not stop it from loading (shown as the file's problems). */
  warnings?: string[];
  /** The task's own lifecycle hooks (its options `init`, `onStart`, `catchError`, …). */
  hooks: DefinitionHooks;
}

/** A queue as code defines it; `reference`: only named (`queue: "name"`), defined elsewhere. */
export interface TaskQueue {
  name: string;
  concurrencyLimit?: number;
  reference?: boolean;
}

const byHandle = new WeakMap<object, TaskDefinition>();
const collectors: Array<{ tasks: TaskDefinition[]; hooks: HookSet; queues: TaskQueue[] }> = [];
/** Global hooks registered neither while a bundle loads nor inside an attempt: they apply to every task. */
const looseHooks = new HookSet();

export function registerTask(handle: object, def: TaskDefinition): void {
  byHandle.set(handle, def);
  collectors[collectors.length - 1]?.tasks.push(def);
}

/** A shared queue (`queue({ name, concurrencyLimit })`) defined while a bundle loads. */
export function registerQueue(q: TaskQueue): void {
  collectors[collectors.length - 1]?.queues.push(q);
}

/**
 * Adds a global hook (`tasks.onStart(...)`): to the bundle being loaded, else to `attempt` (the running attempt's
 * own set), else to the hooks of every task.
 */
export function registerGlobalHook(kind: HookKind, id: string, fn: AnyHook, attempt: HookSet | undefined): void {
  (collectors[collectors.length - 1]?.hooks ?? attempt ?? looseHooks).add(kind, id, fn);
}

/** Global hooks registered outside any bundle load and any attempt. */
export function globalHooksOutsideBundles(): HookSet {
  return looseHooks;
}

/** The definition behind a task object (`task(...)`'s return value), if `value` is one. */
export function taskDefinitionOf(value: unknown): TaskDefinition | undefined {
  return (typeof value === 'object' || typeof value === 'function') && value !== null ? byHandle.get(value) : undefined;
}

/** Runs `load` (e.g. requiring a bundle) and returns every task it defined, in order, the global hooks and the shared queues it registered. */
export function collectTasks<T>(load: () => T): { result: T; tasks: TaskDefinition[]; hooks: HookSet; queues: TaskQueue[] } {
  const collector = { tasks: [] as TaskDefinition[], hooks: new HookSet(), queues: [] as TaskQueue[] };
  collectors.push(collector);
  try {
    return { result: load(), tasks: collector.tasks, hooks: collector.hooks, queues: collector.queues };
  } finally {
    collectors.splice(collectors.lastIndexOf(collector), 1);
  }
}
