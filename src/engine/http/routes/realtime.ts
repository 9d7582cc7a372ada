import * as z from 'zod/mini';
import { LIMITS, StreamKey, Tag } from '../../../protocol/api';
import { RunStatus } from '../../../protocol/run';
import { encodeChunk } from '../../../protocol/chunk';
import { LOG_STREAM_KEY } from '../../../shared/streams';
import { allows, requireScope, requireSecret, type Principal } from '../../auth/principal';
import { serveRunFeed, serveStreamFeed } from '../../realtime/feeds';
import { SseWriter } from '../../realtime/sse-writer';
import type { RunFilter } from '../../store/types';
import { EngineError } from '../../errors';
import { readBody, sendJson, type RequestContext, type Router } from '../server';
import { createdWindowMs, parse, principal, type EngineDeps } from '../context';
import { runResources } from './runs';
import { serveElectricFeed, wantsElectric } from './electric';
import { resolveTarget } from '../../../shared/targets';
import { isOfficialClient, serveOfficialStream } from './trigger-compat';
import { describeError } from '../../../shared/errors';

function lastEventId(ctx: RequestContext): number | undefined {
  const raw = ctx.req.headers['last-event-id'] ?? ctx.url.searchParams.get('lastEventId') ?? undefined;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < -1) throw new EngineError('invalid_request', 'Last-Event-ID: must be an integer');
  return n;
}

const TagsParam = z.array(Tag).check(z.maxLength(LIMITS.tagsPerRun));
const StatusParam = z.array(RunStatus);

function feedWriter(deps: EngineDeps, ctx: RequestContext, afterIo = false): SseWriter {
  return new SseWriter(ctx.res, { maxBufferedBytes: deps.sse.maxBufferedBytes, keepAliveMs: deps.sse.keepAliveMs, afterIo });
}

async function runFeed(deps: EngineDeps, ctx: RequestContext, filter: RunFilter, extra: URLSearchParams): Promise<void> {
  const id = lastEventId(ctx);
  const statuses = extra.get('status') ? parse(StatusParam, extra.get('status')!.split(','), 'status') : undefined;
  const tasks = extra.get('taskIdentifier')?.split(',').filter(Boolean);
  let createdAfter: string | undefined;
  const createdAt = extra.get('createdAt');
  if (createdAt) createdAfter = new Date(Date.now() - createdWindowMs(createdAt)).toISOString();
  const accept =
    statuses || tasks || createdAfter
      ? (status: RunStatus, task: string, created: string) =>
          (!statuses || statuses.includes(status)) && (!tasks || tasks.includes(task)) && (!createdAfter || created >= createdAfter)
      : undefined;
  const sse = feedWriter(deps, ctx, true);
  await serveRunFeed(deps.store, deps.hub, sse, { filter, lastEventId: id, snapshotLimit: deps.sse.snapshotLimit, accept });
}

async function readableRun(deps: EngineDeps, p: Principal, runId: string) {
  const r = await deps.service.getRun(runId);
  requireScope(p, 'read', runResources(r), `run ${runId}`);
  return r;
}

export function registerRealtimeRoutes(router: Router, deps: EngineDeps): void {
  router.add('GET', '/realtime/v1/runs/:id', async (ctx) => {
    const p = await principal(deps, ctx);
    const r = await readableRun(deps, p, ctx.params.id!);
    if (wantsElectric(ctx)) return serveElectricFeed(deps, ctx, p, { runIds: [r.run.id] }, 'run');
    await runFeed(deps, ctx, { runIds: [r.run.id] }, new URLSearchParams());
  });

  router.add('GET', '/realtime/v1/runs', async (ctx) => {
    const p = await principal(deps, ctx);
    const tagsRaw = ctx.url.searchParams.get('tags');
    if (tagsRaw) {
      const tags = parse(
        TagsParam,
        tagsRaw
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        'tags',
      );
      const ok = allows(p, 'read', [{ type: 'runs' }, { type: 'tags' }, ...tags.map((t) => ({ type: 'tags', id: t }))]);
      if (!ok) throw new EngineError('forbidden', `Public Access Token has no scope for the tags ${tags.join(', ')} (read:tags:<tag> or read:runs)`);
      if (wantsElectric(ctx)) return serveElectricFeed(deps, ctx, p, { tags }, 'tags');
      await runFeed(deps, ctx, { tags }, ctx.url.searchParams);
    } else {
      if (p.kind !== 'secret') requireScope(p, 'read', [{ type: 'runs' }], 'every run of the workspace');
      await runFeed(deps, ctx, {}, ctx.url.searchParams);
    }
  });

  router.add('GET', '/realtime/v1/batches/:id', async (ctx) => {
    const p = await principal(deps, ctx);
    const batchId = ctx.params.id!;
    requireScope(p, 'read', [{ type: 'batch', id: batchId }, { type: 'runs' }], `batch ${batchId}`);
    if (wantsElectric(ctx)) return serveElectricFeed(deps, ctx, p, { batchId }, 'batch');
    await runFeed(deps, ctx, { batchId }, ctx.url.searchParams);
  });

  router.add('GET', '/realtime/v1/streams/:runId/:key', async (ctx) => {
    const p = await principal(deps, ctx);
    const key = ctx.params.key === LOG_STREAM_KEY ? LOG_STREAM_KEY : parse(StreamKey, ctx.params.key, 'key');
    const r = await readableRun(deps, p, ctx.params.runId!);
    const id = lastEventId(ctx);
    if (isOfficialClient(ctx)) return serveOfficialStream(deps, ctx, r.run.id, key, id);
    const sse = feedWriter(deps, ctx);
    await serveStreamFeed(deps.store, deps.hub, sse, { runId: r.run.id, key, afterIdx: id ?? -1, pollMs: deps.sse.streamPollMs });
  });

  router.add('POST', '/realtime/v1/streams/:runId/:target/:key/append', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Writing to a stream');
    const key = parse(StreamKey, ctx.params.key, 'key');
    const source = await deps.service.getRun(ctx.params.runId!);
    const target = resolveTarget(ctx.params.target, { id: source.run.id, parentId: source.parentRunId, rootId: source.rootRunId });
    await deps.service.getRun(target);
    const body = await readBody(ctx.req, LIMITS.appendBodyBytes);
    const type = ctx.req.headers['content-type'] ?? '';
    let wire: string;
    if (type.startsWith('application/json')) {
      try {
        wire = JSON.stringify(JSON.parse(body.toString('utf8')));
      } catch (e) {
        throw new EngineError('invalid_json', `body: not valid JSON (${describeError(e)})`);
      }
    } else if (type.startsWith('application/octet-stream')) {
      wire = encodeChunk(new Uint8Array(body));
    } else {
      wire = JSON.stringify(body.toString('utf8'));
    }
    const [idx] = await deps.service.appendChunks(target, key, [wire]);
    sendJson(ctx.res, 200, { ok: true, idx });
  });
}
