import type { BatchRunHandle, TriggerOptions } from '../backend/trigger';
import { requireBackendFunction } from './backendBridge';
import { registerQueue, registerTask, type RetryOptions, type RunFnParams, type TaskDefinition, type TaskQueue } from './registry';
import { taskHooksOf, type TaskHooks, type TaskInitOutput } from './hooks';
import { batchTriggerAndWait, triggerAndWait, withParent, type BatchResult, type TaskRunPromise } from './subtasks';
import { jsonSchemaOf, parsePayload, type InferSchemaInput, type InferSchemaOutput, type TaskSchema } from './schema';
import { collectBatchItems, type BatchItems } from '../backend/items';

export type { RetryOptions, RunFnParams } from './registry';

/** Throw this from a task to fail the run without retrying. */
export class AbortTaskRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AbortTaskRunError';
  }
}

/** A task's `queue`: its own queue's limit (`{ concurrencyLimit }`), a shared queue object, or a shared queue's name. */
export interface TaskQueueOptions {
  name?: string;
  /** Most runs of the queue (per `concurrencyKey`) executing at once. */
  concurrencyLimit?: number;
}

/** A shared queue (`queue({ name, concurrencyLimit })`). */
export interface QueueOptions {
  name: string;
  concurrencyLimit?: number;
}

export interface TaskOptions<TId extends string, TPayload, TOutput, TInit extends TaskInitOutput = TaskInitOutput> extends TaskHooks<TPayload, TOutput, TInit> {
  id: TId;
  description?: string;
  run: (payload: TPayload, params: RunFnParams<TInit>) => Promise<TOutput> | TOutput;
  /** Seconds; the engine stops the attempt past it (TIMED_OUT). */
  maxDuration?: number;
  retry?: RetryOptions;
  queue?: string | TaskQueueOptions;
  machine?: string | { preset?: string };
  /** The payload's JSON Schema (Trigger.dev's `jsonSchema`): shown to assistants (list_tasks) and checked by trigger_task. */
  jsonSchema?: JsonSchemaObject;
}

/** A JSON Schema object (Trigger.dev's `JSONSchema`). */
export type JsonSchemaObject = { [key: string]: unknown };

export interface SchemaTaskOptions<TId extends string, TSchema extends TaskSchema, TOutput, TInit extends TaskInitOutput = TaskInitOutput> extends Omit<
  TaskOptions<TId, InferSchemaOutput<TSchema>, TOutput, TInit>,
  'run'
> {
  schema: TSchema;
  run: (payload: InferSchemaOutput<TSchema>, params: RunFnParams<TInit>) => Promise<TOutput> | TOutput;
}

/** What the backend SDK's trigger returns (`{ id, publicAccessToken, … }`). */
export interface RunHandle<TId extends string = string, TPayload = unknown, TOutput = unknown> {
  id: string;
  publicAccessToken?: string;
  taskIdentifier?: TId;
  /** Type-only markers so `RunHandle<typeof task>`-style helpers can infer. */
  readonly __payload?: TPayload;
  readonly __output?: TOutput;
}

export interface BatchItem<TPayload> {
  payload: TPayload;
  options?: TriggerOptions;
}

export interface Task<TId extends string, TInput = unknown, TOutput = unknown> {
  readonly id: TId;
  readonly description?: string;
  /** Triggers a run of this task through the backend SDK (`tasks.trigger`). */
  trigger(payload: TInput, options?: TriggerOptions): Promise<RunHandle<TId, TInput, TOutput>>;
  /** Triggers several runs of this task at once (`tasks.batchTrigger`). */
  batchTrigger(items: BatchItems<BatchItem<TInput>>, options?: TriggerOptions): Promise<BatchRunHandle>;
  /** Inside a task: triggers a child run and waits for it (this run is WAITING meanwhile). */
  triggerAndWait(payload: TInput, options?: TriggerOptions): TaskRunPromise<TId, TOutput>;
  /** Inside a task: triggers a batch of child runs and waits for all of them. */
  batchTriggerAndWait(items: BatchItems<BatchItem<TInput>>): Promise<BatchResult<TId, TOutput>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- type-level helper, as in Trigger.dev
export type AnyTask = Task<string, any, any>;
export type TaskIdentifier<T> = T extends Task<infer I, infer _P, infer _O> ? I : never;
export type TaskPayload<T> = T extends Task<infer _I, infer P, infer _O> ? P : never;
export type TaskOutput<T> = T extends Task<infer _I, infer _P, infer O> ? O : never;

function makeHandle<TId extends string, TInput, TOutput>(id: TId, description: string | undefined): Task<TId, TInput, TOutput> {
  return {
    id,
    description,
    async trigger(payload, options) {
      const trigger = requireBackendFunction(['tasks', 'trigger']);
      return (await trigger(id, payload, withParent(options))) as RunHandle<TId, TInput, TOutput>;
    },
    async batchTrigger(items, options) {
      const batch = requireBackendFunction(['tasks', 'batchTrigger']);
      return (await batch(
        id,
        (await collectBatchItems(items, `${id}.batchTrigger()`)).map((i) => ({ ...i, options: withParent(i.options) })),
        options,
      )) as BatchRunHandle;
    },
    triggerAndWait(payload, options) {
      return triggerAndWait<TId, TOutput>(id, payload, options);
    },
    batchTriggerAndWait(items) {
      return batchTriggerAndWait<TId, TOutput>(id, items);
    },
  };
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError('task({ id }) needs a non-empty string id');
}

function checkLimit(where: string, limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new TypeError(`${where}: concurrencyLimit must be a whole number of runs, 0 or more (got ${String(limit)})`);
  }
  return limit;
}

function checkQueueName(where: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 128)
    throw new TypeError(`${where}: the queue name must be a non-empty string of at most 128 characters`);
  return name;
}

/** The queue a task's runs go to: its own (`task/<id>`, as Trigger.dev names it), or a shared one. */
function taskQueue(id: string, option: string | TaskQueueOptions | undefined): TaskQueue {
  const where = `task "${id}"`;
  if (option === undefined || option === null) return { name: `task/${id}` };
  if (typeof option === 'string') return { name: checkQueueName(where, option), reference: true };
  if (typeof option !== 'object') throw new TypeError(`${where}: queue must be a queue's name or { name?, concurrencyLimit? }`);
  const concurrencyLimit = checkLimit(where, option.concurrencyLimit);
  const name = option.name === undefined ? `task/${id}` : checkQueueName(where, option.name);
  return concurrencyLimit === undefined ? { name } : { name, concurrencyLimit };
}

function definition(opts: TaskOptions<string, unknown, unknown>): Omit<TaskDefinition, 'run'> {
  const hooks = taskHooksOf(opts);
  if (opts.maxDuration !== undefined && !(typeof opts.maxDuration === 'number' && opts.maxDuration > 0)) {
    throw new TypeError(`task "${opts.id}": maxDuration must be a positive number of seconds`);
  }
  return {
    id: opts.id,
    description: opts.description,
    maxDuration: opts.maxDuration,
    retry: opts.retry,
    queue: taskQueue(opts.id, opts.queue),
    machine: opts.machine,
    ...(opts.jsonSchema ? { payloadSchema: () => opts.jsonSchema } : {}),
    hooks,
  };
}

/** Defines a task (Trigger.dev's `task`). Export it from a file under `trigger/` for Runlight to find. */
export function task<TId extends string, TPayload = void, TOutput = unknown, TInit extends TaskInitOutput = TaskInitOutput>(
  options: TaskOptions<TId, TPayload, TOutput, TInit>,
): Task<TId, TPayload, TOutput> {
  checkId(options.id);
  if (typeof options.run !== 'function') throw new TypeError(`task "${options.id}" needs a run function`);
  const handle = makeHandle<TId, TPayload, TOutput>(options.id, options.description);
  const run = options.run;
  registerTask(handle, {
    ...definition(options as TaskOptions<string, unknown, unknown>),
    run: (payload, params) => run(payload as TPayload, params as RunFnParams<TInit>),
  });
  return handle;
}

/** A task whose payload is parsed with `schema` first; a parse failure fails the run without retry. */
export function schemaTask<TId extends string, TSchema extends TaskSchema, TOutput = unknown, TInit extends TaskInitOutput = TaskInitOutput>(
  options: SchemaTaskOptions<TId, TSchema, TOutput, TInit>,
): Task<TId, InferSchemaInput<TSchema>, TOutput> & { schema: TSchema } {
  checkId(options.id);
  if (typeof options.run !== 'function') throw new TypeError(`task "${options.id}" needs a run function`);
  const handle = { ...makeHandle<TId, InferSchemaInput<TSchema>, TOutput>(options.id, options.description), schema: options.schema };
  const { run, schema, id } = options;
  registerTask(handle, {
    ...definition(options as unknown as TaskOptions<string, unknown, unknown>),
    parsePayload: (payload) => parsePayload(id, schema, payload),
    payloadSchema: () => options.jsonSchema ?? jsonSchemaOf(schema),
    run: (payload, params) => run(payload as InferSchemaOutput<TSchema>, params as RunFnParams<TInit>),
  });
  return handle;
}

/**
 * Trigger.dev's `queue({ name, concurrencyLimit })`: a queue tasks share (`task({ queue: myQueue })`), and that
 * runs can be sent to when triggered (`{ queue: "name" }`). At most `concurrencyLimit` of its runs (per
 * concurrency key) execute at once.
 */
export function queue<T extends QueueOptions>(options: T): T {
  if (typeof options !== 'object' || options === null) throw new TypeError('queue({ name, concurrencyLimit }) needs an options object');
  const name = checkQueueName('queue()', options.name);
  const concurrencyLimit = checkLimit(`queue "${name}"`, options.concurrencyLimit);
  registerQueue(concurrencyLimit === undefined ? { name } : { name, concurrencyLimit });
  return options;
}
