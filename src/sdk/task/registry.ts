import type { TaskRunContext } from './runtime';

export interface RetryOptions {
  maxAttempts?: number;
  minTimeoutInMs?: number;
  maxTimeoutInMs?: number;
  factor?: number;
  randomize?: boolean;
}

export interface RunFnParams {
  ctx: TaskRunContext;
  /** Aborted when the attempt is being stopped (the worker may also just be killed). */
  signal: AbortSignal;
}

/** What the worker needs to run a task; one per `task()`/`schemaTask()` call. */
export interface TaskDefinition {
  id: string;
  run: (payload: unknown, params: RunFnParams) => unknown;
  /** Set by schemaTask: parses the raw payload before `run`; throws TaskPayloadParsedError. */
  parsePayload?: (payload: unknown) => Promise<unknown>;
  maxDuration?: number;
  retry?: RetryOptions;
  queue?: unknown;
  machine?: unknown;
  description?: string;
}

const byHandle = new WeakMap<object, TaskDefinition>();
const collectors: TaskDefinition[][] = [];

export function registerTask(handle: object, def: TaskDefinition): void {
  byHandle.set(handle, def);
  collectors[collectors.length - 1]?.push(def);
}

/** The definition behind a task object (`task(...)`'s return value), if `value` is one. */
export function taskDefinitionOf(value: unknown): TaskDefinition | undefined {
  return (typeof value === 'object' || typeof value === 'function') && value !== null ? byHandle.get(value) : undefined;
}

/** Runs `load` (e.g. requiring a bundle) and returns every task it defined, in order. */
export function collectTasks<T>(load: () => T): { result: T; tasks: TaskDefinition[] } {
  const list: TaskDefinition[] = [];
  collectors.push(list);
  try {
    return { result: load(), tasks: list };
  } finally {
    collectors.splice(collectors.lastIndexOf(list), 1);
  }
}
