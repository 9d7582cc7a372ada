import type * as z from 'zod/mini';
import type { BatchTriggerItem, EngineClient } from '../../client/api';
import { isSecretKey } from '../../protocol/auth';
import type { TriggerOptions as WireTriggerOptions } from '../../protocol/api';
import type { Json } from '../../protocol/run';
import { signPublicToken, type ExpirationTime } from './auth';
import { toJson } from '../../shared/json';
import { toTyped } from '../../protocol/values';
import { toIdempotencyKey } from './idempotency';

/** Options of `tasks.trigger` as Trigger.dev's SDK takes them (the ones the local engine supports). */
export type TriggerOptions = Omit<z.input<typeof WireTriggerOptions>, 'delay' | 'idempotencyKey'> & {
  /** A duration ("30s", "5m"), seconds, an ISO date string, or a Date. */
  delay?: string | number | Date;
  /**
   * A key made by `idempotencyKeys.create`, or a raw string / `string[]` (hashed: outside a task globally, inside a
   * task scoped to the run). Another trigger of the task with the same key returns the same run until the key's
   * `idempotencyKeyTTL` (default 30 days) passes.
   */
  idempotencyKey?: string | string[];
  /** Expiry of the handle's token when the SDK signs it itself (default "1h"). */
  publicAccessToken?: { expirationTime?: ExpirationTime };
};

export interface RunHandle<TTask = unknown> {
  id: string;
  taskIdentifier: string;
  /** Scoped `read:runs:<id>`: hand it to a frontend to subscribe to this run. */
  publicAccessToken: string;
  /** Phantom: the task type this handle belongs to. */
  readonly __task?: TTask;
}

export interface BatchRunHandle {
  batchId: string;
  runCount: number;
  runs: { id: string; taskIdentifier: string }[];
  /** Scoped `read:batch:<batchId>`. */
  publicAccessToken: string;
}

export interface BatchItemInput<TPayload = unknown> {
  payload?: TPayload;
  options?: TriggerOptions;
}

export function toWireOptions(options: TriggerOptions | undefined): z.input<typeof WireTriggerOptions> | undefined {
  if (!options) return undefined;
  const { publicAccessToken: _pat, delay, idempotencyKey, ...rest } = options;
  void _pat;
  const wire: z.input<typeof WireTriggerOptions> = { ...rest };
  const key = toIdempotencyKey(idempotencyKey);
  if (key !== undefined) wire.idempotencyKey = key;
  if (delay !== undefined) wire.delay = delay instanceof Date ? delay.toISOString() : delay;
  if (rest.metadata !== undefined) wire.metadata = toJson(rest.metadata, 'options.metadata') as Record<string, Json>;
  return wire;
}

/** The engine's `x-trigger-jwt`, else a token signed here (secret key), else the configured token itself. */
export async function handleToken(
  client: EngineClient,
  fromEngine: string | undefined,
  scopes: string[],
  expirationTime: ExpirationTime | undefined,
): Promise<string> {
  const canSign = isSecretKey(client.accessToken);
  if (canSign && (expirationTime !== undefined || !fromEngine)) {
    return signPublicToken({ secretKey: client.accessToken, scopes, expirationTime: expirationTime ?? '1h' });
  }
  return fromEngine ?? client.accessToken;
}

export async function triggerTask<TTask = unknown>(
  client: EngineClient,
  taskId: string,
  payload: unknown,
  options?: TriggerOptions,
): Promise<RunHandle<TTask>> {
  // As Trigger.dev's SDK: Dates, Maps, Sets, BigInts… keep their types (superjson), and the task gets them back.
  const typed = toTyped(payload, 'payload');
  const res = await client.trigger(taskId, typed?.json, toWireOptions(options), typed?.meta);
  const publicAccessToken = await handleToken(client, res.publicAccessToken, [`read:runs:${res.id}`], options?.publicAccessToken?.expirationTime);
  return { id: res.id, taskIdentifier: taskId, publicAccessToken };
}

export async function triggerBatch(client: EngineClient, items: { task: string; payload?: unknown; options?: TriggerOptions }[]): Promise<BatchRunHandle> {
  const wire: BatchTriggerItem[] = items.map((item, i) => {
    const typed = toTyped(item.payload, `items[${i}].payload`);
    return { task: item.task, payload: typed?.json, ...(typed?.meta ? { payloadMeta: typed.meta } : {}), options: toWireOptions(item.options) };
  });
  const res = await client.batchTrigger(wire);
  const publicAccessToken = await handleToken(client, res.publicAccessToken, [`read:batch:${res.batchId}`], undefined);
  return { batchId: res.batchId, runCount: res.runs.length, runs: res.runs, publicAccessToken };
}
