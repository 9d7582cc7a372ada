import {
  AddTagsRequest,
  BatchTriggerRequest,
  LIMITS,
  ListRunsQuery,
  MetadataUpdateRequest,
  TaskId,
  TriggerRequest,
  CreatePublicTokenRequest,
} from '../../../protocol/api';
import { JWT_HEADER } from '../../../protocol/routes';
import { JWT_SUBJECT } from '../../../protocol/auth';
import type { RunRecord } from '../../store/types';
import { requireScope, requireSecret, type Resource } from '../../auth/principal';
import { EngineError } from '../../errors';
import { readJson, sendJson, type Router } from '../server';
import { csvParam, parse, principal, type EngineDeps } from '../context';
import { durationMs } from '../../ids';
import { applyMetadataOperations } from '../../runs/metadata';
import type { MetadataOperation } from '../../../protocol/api';
import {
  hasPayloadType,
  isOfficialClient,
  normalizeTriggerBody,
  registerTriggerCompatRoutes,
  toListRunItem,
  toRetrieveRunResponse,
  typedPayload,
} from './trigger-compat';

const BODY = LIMITS.payloadBytes + 1024 * 1024;
const DEPTH = LIMITS.jsonDepth;

/** The resources a single run answers to: itself, its task, each tag, its batch. */
export function runResources(r: RunRecord): Resource[] {
  return [
    { type: 'runs', id: r.run.id },
    { type: 'tasks', id: r.run.taskIdentifier },
    ...r.run.tags.map((t) => ({ type: 'tags', id: t })),
    ...(r.run.batchId ? [{ type: 'batch', id: r.run.batchId }] : []),
  ];
}

export function registerRunRoutes(router: Router, deps: EngineDeps): void {
  router.add('POST', '/api/v1/tasks/:taskId/trigger', async (ctx) => {
    const taskId = parse(TaskId, ctx.params.taskId, 'taskId');
    const p = await principal(deps, ctx);
    requireScope(p, 'trigger', [{ type: 'tasks', id: taskId }], `triggering task ${taskId}`);
    const raw = await readJson(ctx.req, BODY, DEPTH);
    const body = parse(TriggerRequest, normalizeTriggerBody(raw), 'body');
    // Trigger.dev's form was checked as it was decoded; ours (payload + payloadMeta) is checked here.
    const payload = hasPayloadType(raw) ? body : typedPayload(body.payload, body.payloadMeta, 'body.payloadMeta');
    const { record, existing } = await deps.service.trigger(taskId, payload, body.options);
    const jwt = await deps.auth.mint([`read:runs:${record.run.id}`]);
    sendJson(
      ctx.res,
      existing ? 200 : 201,
      { id: record.run.id, isCached: existing },
      {
        [JWT_HEADER]: jwt,
        'x-trigger-jwt-claims': JSON.stringify({ sub: JWT_SUBJECT, pub: true }),
      },
    );
  });

  router.add('POST', '/api/v1/tasks/batch', async (ctx) => {
    const p = await principal(deps, ctx);
    const body = parse(BatchTriggerRequest, await readJson(ctx.req, 16 * 1024 * 1024, DEPTH), 'body');
    for (const item of body.items) requireScope(p, 'batchTrigger', [{ type: 'tasks', id: item.task }], `batch-triggering task ${item.task}`);
    const items = body.items.map((item, i) => ({ ...item, ...typedPayload(item.payload, item.payloadMeta, `body.items.${i}.payloadMeta`) }));
    const { batchId, runs } = await deps.service.batchTrigger({ items });
    const jwt = await deps.auth.mint([`read:batch:${batchId}`]);
    sendJson(
      ctx.res,
      201,
      { batchId, runs: runs.map((r) => ({ id: r.run.id, taskIdentifier: r.run.taskIdentifier })) },
      {
        [JWT_HEADER]: jwt,
      },
    );
  });

  router.add('GET', '/api/v3/runs/:id', async (ctx) => {
    const p = await principal(deps, ctx);
    const r = await deps.service.getRun(ctx.params.id!);
    requireScope(p, 'read', runResources(r), `run ${r.run.id}`);
    if (isOfficialClient(ctx)) {
      const related = async (id: string | undefined) => (id ? deps.service.getRun(id).catch(() => undefined) : undefined);
      const [parent, root] = await Promise.all([related(r.parentRunId), related(r.rootRunId ?? r.parentRunId)]);
      return sendJson(ctx.res, 200, toRetrieveRunResponse(r, { ...(parent ? { parent } : {}), ...(root ? { root } : {}) }));
    }
    sendJson(ctx.res, 200, r.run);
  });

  // Runlight's own: the run's attempts and waits on one time axis (the run panel's timeline strip).
  router.add('GET', '/api/v1/runs/:id/timeline', async (ctx) => {
    const p = await principal(deps, ctx);
    const r = await deps.service.getRun(ctx.params.id!);
    requireScope(p, 'read', runResources(r), `run ${r.run.id}`);
    sendJson(ctx.res, 200, await deps.service.timeline(r.run.id));
  });

  router.add('GET', '/api/v1/runs', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Listing runs');
    const q = ctx.url.searchParams;
    const size = q.get('page[size]');
    const query = parse(
      ListRunsQuery,
      {
        status: csvParam(q.get('filter[status]')),
        taskIdentifier: csvParam(q.get('filter[taskIdentifier]')),
        tag: csvParam(q.get('filter[tag]')),
        batch: q.get('filter[batch]') ?? undefined,
        schedule: q.get('filter[schedule]') ?? undefined,
        parentRunId: q.get('filter[parentRunId]') ?? undefined,
        pageSize: size === null ? undefined : Number(size),
        after: q.get('page[after]') ?? undefined,
      },
      'query',
    );
    const records = await deps.store.listRuns(
      {
        status: query.status,
        taskIdentifier: query.taskIdentifier,
        tags: query.tag,
        batchId: query.batch,
        scheduleId: query.schedule,
        parentRunId: query.parentRunId,
      },
      { size: query.pageSize + 1, after: query.after },
    );
    const data = records.slice(0, query.pageSize).map((r) => r.run);
    const next = records.length > query.pageSize ? data[data.length - 1]?.id : undefined;
    sendJson(ctx.res, 200, { data: isOfficialClient(ctx) ? data.map(toListRunItem) : data, pagination: next ? { next } : {} });
  });

  router.add('POST', '/api/v2/runs/:id/cancel', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Cancelling a run');
    const r = await deps.service.cancel(ctx.params.id!);
    sendJson(ctx.res, 200, { id: r.run.id });
  });

  router.add('POST', '/api/v1/runs/:id/replay', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Replaying a run');
    const r = await deps.service.replay(ctx.params.id!);
    sendJson(ctx.res, 200, { id: r.run.id });
  });

  router.add('POST', '/api/v1/runs/:id/tags', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Adding tags');
    const body = parse(AddTagsRequest, await readJson(ctx.req, 64 * 1024, DEPTH), 'body');
    await deps.service.addTags(ctx.params.id!, body.tags);
    sendJson(ctx.res, 200, { message: `Successfully set ${body.tags.length} new tags.` });
  });

  router.add('GET', '/api/v1/runs/:id/metadata', async (ctx) => {
    const p = await principal(deps, ctx);
    const r = await deps.service.getRun(ctx.params.id!);
    requireScope(p, 'read', runResources(r), `run ${r.run.id}`);
    sendJson(ctx.res, 200, { metadata: r.run.metadata ?? {} });
  });

  router.add('PUT', '/api/v1/runs/:id/metadata', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Updating metadata');
    const body = parse(MetadataUpdateRequest, await readJson(ctx.req, LIMITS.metadataBytes * 2, DEPTH), 'body');
    const run = await deps.service.getRun(ctx.params.id!);
    const ops = [...(body.metadata ? [{ type: 'update' as const, value: body.metadata }] : []), ...(body.operations ?? [])];
    // One write per target run: a run without a parent takes its parent/root operations in the same commit, so
    // a refusal (e.g. metadata too large) leaves nothing half-applied. With distinct targets every write is
    // tried on the current metadata first, so a refused one stops the request before anything is committed.
    const byTarget = new Map<string, MetadataOperation[]>([[run.run.id, ops]]);
    for (const [target, targetOps] of [
      [run.parentRunId, body.parentOperations],
      [run.rootRunId ?? run.parentRunId, body.rootOperations],
    ] as const) {
      if (targetOps?.length) byTarget.set(target ?? run.run.id, [...(byTarget.get(target ?? run.run.id) ?? []), ...targetOps]);
    }
    if (byTarget.size > 1) {
      for (const [target, targetOps] of byTarget) applyMetadataOperations((await deps.service.getRun(target)).run.metadata ?? {}, targetOps);
    }
    let metadata: Record<string, unknown> = {};
    for (const [target, targetOps] of byTarget) {
      const result = await deps.service.updateMetadata(target, targetOps);
      if (target === run.run.id) metadata = result;
    }
    sendJson(ctx.res, 200, { metadata });
  });

  router.add('GET', '/api/v1/tasks', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Listing tasks');
    sendJson(ctx.res, 200, await deps.tasks());
  });

  router.add('POST', '/api/v1/auth/jwt', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Minting a Public Access Token');
    const body = parse(CreatePublicTokenRequest, await readJson(ctx.req, 64 * 1024, DEPTH), 'body');
    let seconds = 3600;
    if (body.expirationTime !== undefined) {
      try {
        seconds =
          typeof body.expirationTime === 'number' ? body.expirationTime - Math.floor(Date.now() / 1000) : Math.round(durationMs(body.expirationTime) / 1000);
      } catch {
        throw new EngineError('invalid_request', 'body.expirationTime: use a duration such as "15m" or unix seconds');
      }
    }
    if (seconds <= 0) throw new EngineError('invalid_request', 'body.expirationTime: must be in the future');
    sendJson(ctx.res, 200, { token: await deps.auth.mint(body.scopes, seconds) });
  });

  router.add('GET', '/api/v1/auth/jwt/claims', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Reading token claims');
    sendJson(ctx.res, 200, { sub: JWT_SUBJECT, pub: true });
  });

  registerTriggerCompatRoutes(router, deps);

  router.add('GET', '/healthz', async (ctx) => {
    sendJson(ctx.res, 200, { ok: true, version: deps.version });
  });
}
