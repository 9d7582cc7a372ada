import type { Json, Run } from '../../protocol/run';
import { fromTyped } from '../../protocol/values';

/**
 * The run object as the SDK hands it out: the protocol's Run with its timestamps as Date objects,
 * as Trigger.dev's SDK does (`RealtimeRun` / `RunShape`). The wire type stays ISO strings.
 */

type DateField = 'createdAt' | 'updatedAt' | 'startedAt' | 'finishedAt' | 'delayedUntil' | 'expiredAt';

/** Payload type of a task type (from its `trigger(payload)` method), else any JSON. */
export type TaskPayload<TTask> = TTask extends { trigger: (payload: infer P, ...args: never[]) => unknown } ? P : Json | undefined;
/** What `tasks.trigger<TTask>` accepts: the task's payload type, or anything JSON-serialisable without a type argument. */
export type TriggerPayload<TTask> = unknown extends TTask ? unknown : TaskPayload<TTask>;
/** Output type of a task type (from its `run` function), else any JSON. */
export type TaskOutput<TTask> = TTask extends { run: (...args: never[]) => infer R } ? Awaited<R> : Json | undefined;

/** `RealtimeRun<typeof myTask>` types payload and output from the task; `RealtimeRun` alone is any run. */
export type RealtimeRun<TTask = unknown> = Omit<Run, DateField | 'payload' | 'payloadMeta' | 'output' | 'outputMeta'> & {
  payload: TaskPayload<TTask>;
  output?: TaskOutput<TTask>;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  delayedUntil?: Date;
  expiredAt?: Date;
};
export type AnyRealtimeRun = RealtimeRun;
/** What `runs.retrieve` returns (the same object as the realtime feeds carry). */
export type RetrieveRunResult<TTask = unknown> = RealtimeRun<TTask>;

/**
 * Converts the wire run to the SDK run: ISO strings → Date, and a payload or output with superjson meta rebuilt (its
 * Dates, Maps, Sets, BigInts…, as the task had them; should the meta not fit, the JSON part as it is).
 */
export function toRealtimeRun<TTask = unknown>(run: Run): RealtimeRun<TTask> {
  const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));
  const { createdAt, updatedAt, startedAt, finishedAt, delayedUntil, expiredAt, payloadMeta, outputMeta, ...rest } = run;
  const out: Record<string, unknown> = { ...rest, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
  if (payloadMeta && rest.payload !== undefined) out.payload = rebuilt(rest.payload, payloadMeta);
  if (outputMeta && rest.output !== undefined) out.output = rebuilt(rest.output, outputMeta);
  const optional = { startedAt, finishedAt, delayedUntil, expiredAt };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) out[k] = date(v);
  return out as RealtimeRun<TTask>;
}

function rebuilt(json: Json, meta: Run['payloadMeta']): unknown {
  try {
    return fromTyped(json, meta, 'value');
  } catch {
    return json;
  }
}

/** One part of `subscription.withStreams()`: a run update, or a chunk of one of the run's streams. */
export type StreamPartResult<TRun, TStreams extends Record<string, unknown>> = {
  [K in keyof TStreams]: { type: K; chunk: TStreams[K]; run: TRun };
}[keyof TStreams];

export type RunWithStreamsResult<TRun, TStreams extends Record<string, unknown>> = { type: 'run'; run: TRun } | StreamPartResult<TRun, TStreams>;
