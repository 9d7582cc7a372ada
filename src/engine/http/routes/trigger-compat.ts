import * as z from 'zod/mini';
import { TriggerRequest, LIMITS, TaskId } from '../../../protocol/api';
import { JWT_SUBJECT } from '../../../protocol/auth';
import { JWT_HEADER } from '../../../protocol/routes';
import type { Json, Run, ValueMeta } from '../../../protocol/run';
import { SUPER_JSON, checkTyped, parseSuperJson, toPlainJson } from '../../../protocol/values';
import { allows, requireScope, requireSecret } from '../../auth/principal';
import { newId } from '../../ids';
import type { RunRecord } from '../../store/types';
import { EngineError } from '../../errors';
import { readBody, readJson, sendJson, type RequestContext, type Router } from '../server';
import { parse, principal, type EngineDeps } from '../context';
import { serveTriggerStream } from '../../realtime/trigger-streams';
import { describeError } from '../../../shared/errors';

/**
 * What Trigger.dev's official SDK (`@trigger.dev/sdk` 4.x, `@trigger.dev/core` ApiClient) needs beyond our
 * own API: its request encodings (payloads serialized with a `payloadType`), its response shapes
 * (`RetrieveRunResponse`, `ListRunResponseItem`), and the routes it calls that our client does not
 * (`POST /api/v1/auth/jwt/claims`, two-phase batches `/api/v3/batches` + `/items`, `/api/v2/tasks/batch`).
 */

/** Their ApiClient sends `trigger-version` (and `x-trigger-api-version`) on every request; ours sends neither. */
export function isOfficialClient(ctx: RequestContext): boolean {
  return ctx.req.headers['trigger-version'] !== undefined || ctx.req.headers['x-trigger-api-version'] !== undefined;
}

const ENV = { id: JWT_SUBJECT, name: 'dev' } as const;

/**
 * Decodes a payload the way their SDK serialized it (`stringifyIO`): the `payloadType` says how. A superjson document
 * (`application/super+json`, what their SDK sends for any object) gives its JSON part and, when it holds Dates, Maps,
 * BigInts…, its meta; one whose meta does not fit is refused naming `field`.
 */
export function decodePayload(payload: unknown, payloadType: unknown, field = 'payload'): { value: unknown; meta?: ValueMeta } {
  if (typeof payload !== 'string' || payloadType === undefined) return { value: payload };
  try {
    switch (payloadType) {
      case 'application/json':
        return { value: JSON.parse(payload) as unknown };
      case SUPER_JSON: {
        const { json, meta } = parseSuperJson(payload, field);
        return meta ? { value: json, meta } : { value: json };
      }
      case 'application/store':
        throw new EngineError(
          'unsupported_payload',
          `${field}: offloaded payloads (application/store) are not supported by the local engine; keep it under 128 KB`,
        );
      default:
        return { value: payload };
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    // parseSuperJson's errors already name the field.
    if (payloadType === SUPER_JSON && e instanceof TypeError) throw new EngineError('invalid_payload', e.message);
    throw new EngineError('invalid_payload', `${field}: not valid ${String(payloadType)} (${describeError(e)})`);
  }
}

/**
 * A payload and its superjson meta as our own SDK sends them (`payload` + `payloadMeta`), checked: a meta that does not
 * fit the payload is refused naming `field`.
 */
export function typedPayload(payload: Json | undefined, payloadMeta: ValueMeta | undefined, field: string): { payload?: Json; payloadMeta?: ValueMeta } {
  try {
    const checked = checkTyped(payload, payloadMeta, field);
    return { ...(checked.json !== undefined ? { payload: checked.json } : {}), ...(checked.meta ? { payloadMeta: checked.meta } : {}) };
  } catch (e) {
    throw new EngineError('invalid_payload', describeError(e));
  }
}

/** Whether a trigger body is of their SDK's form: its `options.payloadType` says how `payload` is encoded. */
export function hasPayloadType(body: unknown): boolean {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const options = (body as { options?: unknown }).options;
  return options !== null && typeof options === 'object' && (options as { payloadType?: unknown }).payloadType !== undefined;
}

/**
 * `{ payload, options: { payloadType, … } }` as their SDK sends it → our TriggerRequest (unknown options dropped; a
 * superjson payload as `payload` + `payloadMeta`). `root` prefixes the fields an error names (`items.3.`).
 */
export function normalizeTriggerBody(body: unknown, root = ''): unknown {
  if (!hasPayloadType(body)) return body;
  const b = body as { payload?: unknown; options: Record<string, unknown> };
  const { payloadType, metadataType, ...rest } = b.options;
  const metadata = decodePayload(rest.metadata, metadataType, `${root}options.metadata`).value;
  // Their `delay` may be a Date serialized as an ISO string; `null` values mean "not set".
  const cleaned = Object.fromEntries(Object.entries({ ...rest, metadata }).filter(([, v]) => v !== undefined && v !== null));
  const payload = decodePayload(b.payload, payloadType, `${root}payload`);
  return { payload: payload.value, ...(payload.meta ? { payloadMeta: payload.meta } : {}), options: cleaned };
}

/** Their `RelatedRunDetails`: the run's fields without payload, output or error. */
function relatedRunDetails(r: RunRecord): Record<string, unknown> {
  const { payload: _payload, payloadMeta: _pm, output: _output, outputMeta: _om, error: _error, ...fields } = r.run;
  return { ...fields, depth: depthOf(r), triggerFunction: triggerFunctionOf(r.run) };
}

const depthOf = (r: RunRecord): number => r.depth ?? (r.parentRunId ? 1 : 0);
const triggerFunctionOf = (run: Run): string => (run.batchId ? 'batchTrigger' : 'trigger');

/** The parent and root of a run, as far as the store still has them (for `relatedRuns`). */
export interface RelatedRecords {
  parent?: RunRecord;
  root?: RunRecord;
}

/**
 * Our run → their `RetrieveRunResponse` (adds depth, triggerFunction, relatedRuns, env). A typed payload or output
 * (superjson) goes as their server sends it: the value rebuilt, as JSON (see `toPlainJson`).
 */
export function toRetrieveRunResponse(r: RunRecord, related: RelatedRecords = {}): Record<string, unknown> {
  const { payloadMeta, outputMeta, ...run } = r.run;
  return {
    ...run,
    ...(payloadMeta ? { payload: toPlainJson(run.payload, payloadMeta) } : {}),
    ...(outputMeta ? { output: toPlainJson(run.output, outputMeta) } : {}),
    depth: depthOf(r),
    triggerFunction: triggerFunctionOf(run),
    relatedRuns: {
      ...(related.parent ? { parent: relatedRunDetails(related.parent) } : {}),
      ...(related.root ? { root: relatedRunDetails(related.root) } : {}),
    },
    attemptCount: run.attemptCount,
    env: ENV,
  };
}

/** Our run → their `ListRunResponseItem` (which has no payload or output). */
export function toListRunItem(run: Run): Record<string, unknown> {
  const { payload: _payload, payloadMeta: _pm, output: _output, outputMeta: _om, ...fields } = run;
  return { ...fields, env: ENV };
}

const CreateBatchBody = z.object({
  runCount: z.number().check(z.int(), z.minimum(1), z.maximum(LIMITS.batchItems)),
  taskIdentifiers: z.optional(z.array(z.string())),
  idempotencyKey: z.optional(z.string()),
});

const BatchItemLine = z.object({
  index: z.number().check(z.int(), z.nonnegative()),
  task: TaskId,
  payload: z.optional(z.unknown()),
  options: z.optional(z.record(z.string(), z.unknown())),
});

interface PendingBatch {
  runCount: number;
  /** item index → run id */
  runs: Map<number, string>;
}

const batchesByEngine = new WeakMap<EngineDeps, Map<string, PendingBatch>>();
const MAX_PENDING_BATCHES = 1000;

function batches(deps: EngineDeps): Map<string, PendingBatch> {
  let m = batchesByEngine.get(deps);
  if (!m) batchesByEngine.set(deps, (m = new Map()));
  return m;
}

const claimsHeader = JSON.stringify({ sub: JWT_SUBJECT, pub: true });

export function registerTriggerCompatRoutes(router: Router, deps: EngineDeps): void {
  // Their `auth.createPublicToken` fetches the claims with POST before signing locally.
  router.add('POST', '/api/v1/auth/jwt/claims', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Reading token claims');
    sendJson(ctx.res, 200, { sub: JWT_SUBJECT, pub: true });
  });

  // Two-phase batch (SDK 4.3+): create, then stream the items as NDJSON.
  router.add('POST', '/api/v3/batches', async (ctx) => {
    const p = await principal(deps, ctx);
    const body = parse(CreateBatchBody, await readJson(ctx.req, 1024 * 1024, LIMITS.jsonDepth), 'body');
    if (p.kind !== 'secret') {
      for (const t of body.taskIdentifiers ?? []) requireScope(p, 'batchTrigger', [{ type: 'tasks', id: t }], `batch-triggering task ${t}`);
      if (!body.taskIdentifiers?.length && !allows(p, 'batchTrigger', [{ type: 'tasks' }])) {
        throw new EngineError('forbidden', 'Public Access Token has no scope for batch-triggering (batchTrigger:tasks:<id>)');
      }
    }
    const id = newId('batch');
    const m = batches(deps);
    m.set(id, { runCount: body.runCount, runs: new Map() });
    if (m.size > MAX_PENDING_BATCHES) m.delete(m.keys().next().value!);
    const jwt = await deps.auth.mint([`read:batch:${id}`]);
    sendJson(ctx.res, 202, { id, runCount: body.runCount, isCached: false }, { [JWT_HEADER]: jwt, 'x-trigger-jwt-claims': claimsHeader });
  });

  router.add('POST', '/api/v3/batches/:id/items', async (ctx) => {
    const p = await principal(deps, ctx);
    const batchId = ctx.params.id!;
    const batch = batches(deps).get(batchId);
    if (!batch) throw new EngineError('batch_not_found', `batch ${batchId} does not exist (or was already sealed)`);
    const text = (await readBody(ctx.req, 64 * 1024 * 1024)).toString('utf8');
    let accepted = 0;
    let deduplicated = 0;
    for (const [n, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        throw new EngineError('invalid_json', `line ${n + 1}: not valid JSON (${describeError(e)})`);
      }
      const item = parse(BatchItemLine, raw, `items.${n}`);
      if (item.index >= batch.runCount)
        throw new EngineError('invalid_request', `items.${n}.index: ${item.index} is past the batch's runCount ${batch.runCount}`);
      if (batch.runs.has(item.index)) {
        deduplicated++;
        continue;
      }
      requireScope(p, 'batchTrigger', [{ type: 'tasks', id: item.task }], `batch-triggering task ${item.task}`);
      const req = parse(TriggerRequest, normalizeTriggerBody({ payload: item.payload, options: item.options ?? {} }, `items.${n}.`), `items.${n}`);
      const { record } = await deps.service.trigger(item.task, req, { ...req.options, batchId });
      batch.runs.set(item.index, record.run.id);
      accepted++;
    }
    const sealed = batch.runs.size >= batch.runCount;
    if (sealed) batches(deps).delete(batchId);
    sendJson(ctx.res, 200, {
      id: batchId,
      itemsAccepted: accepted,
      itemsDeduplicated: deduplicated,
      sealed,
      ...(sealed ? {} : { enqueuedCount: batch.runs.size, expectedCount: batch.runCount }),
    });
  });

  // One-request batch of older SDKs (`batchTriggerV3`).
  router.add('POST', '/api/v2/tasks/batch', async (ctx) => {
    const p = await principal(deps, ctx);
    const raw = await readJson(ctx.req, 16 * 1024 * 1024, LIMITS.jsonDepth);
    const body = parse(
      z.object({
        items: z
          .array(z.object({ task: TaskId, payload: z.optional(z.unknown()), options: z.optional(z.record(z.string(), z.unknown())) }))
          .check(z.minLength(1), z.maxLength(LIMITS.batchItems)),
      }),
      raw,
      'body',
    );
    const items = body.items.map((item, i) => {
      requireScope(p, 'batchTrigger', [{ type: 'tasks', id: item.task }], `batch-triggering task ${item.task}`);
      const req = parse(TriggerRequest, normalizeTriggerBody({ payload: item.payload, options: item.options ?? {} }, `items.${i}.`), `items.${i}`);
      return { task: item.task, payload: req.payload, payloadMeta: req.payloadMeta, options: req.options };
    });
    const { batchId, runs, cached } = await deps.service.batchTrigger({ items });
    const jwt = await deps.auth.mint([`read:batch:${batchId}`]);
    sendJson(
      ctx.res,
      202,
      { id: batchId, runCount: runs.length, runs: runs.map((r, i) => ({ id: r.run.id, taskIdentifier: r.run.taskIdentifier, isCached: cached[i] ?? false })) },
      { [JWT_HEADER]: jwt, 'x-trigger-jwt-claims': claimsHeader },
    );
  });
}

/** `GET /realtime/v1/streams/:runId/:key` for their reader (after auth): v2 framing, Timeout-Seconds, stream start. */
export async function serveOfficialStream(deps: EngineDeps, ctx: RequestContext, runId: string, key: string, afterIdx: number | undefined): Promise<void> {
  const rawTimeout = ctx.req.headers['timeout-seconds'];
  let timeoutSeconds: number | undefined;
  if (rawTimeout !== undefined) {
    timeoutSeconds = Number(rawTimeout);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 600) {
      throw new EngineError('invalid_request', 'Timeout-Seconds: must be an integer from 1 to 600');
    }
  }
  const start = String(ctx.req.headers['x-trigger-stream-start'] ?? '');
  await serveTriggerStream(deps.store, deps.hub, ctx.res, {
    runId,
    key,
    afterIdx: afterIdx ?? -1,
    fromLatest: afterIdx === undefined && start === 'latest',
    timeoutSeconds,
    keepAliveMs: Math.min(deps.sse.keepAliveMs, 10_000),
    maxBufferedBytes: deps.sse.maxBufferedBytes,
  });
}
