import * as z from 'zod/mini';
import { RunStatus, type Run } from '../../../protocol/run';
import type { Principal } from '../../auth/principal';
import { ElectricFeeds, electricOptionsFromEnv, type ElectricShape } from '../../realtime/electric';
import type { RunFilter } from '../../store/types';
import type { RequestContext } from '../server';
import { csvParam, createdWindowMs, parse, type EngineDeps } from '../context';

/**
 * The run feeds (`/realtime/v1/runs/:id`, `/realtime/v1/runs?tags=`, `/realtime/v1/batches/:id`) for
 * Trigger.dev's official client, which speaks the Electric shape protocol (JSON long-polls) instead of
 * SSE. The routes authenticate and authorise first, then hand over here when `wantsElectric` says so.
 */

const feeds = new WeakMap<EngineDeps, ElectricFeeds>();

function feedsFor(deps: EngineDeps): ElectricFeeds {
  let f = feeds.get(deps);
  if (!f) feeds.set(deps, (f = new ElectricFeeds(deps.store, deps.hub, electricOptionsFromEnv())));
  return f;
}

/** Live polls currently held for this engine (for tests and diagnostics). */
export function electricLivePolls(deps: EngineDeps): number {
  return feeds.get(deps)?.activeLivePolls ?? 0;
}

/**
 * An Electric request: not asking for an event stream, and carrying the protocol's `offset` (their
 * client always sends it) or Trigger.dev's `x-trigger-electric-version` header.
 */
export function wantsElectric(ctx: RequestContext): boolean {
  const accept = String(ctx.req.headers.accept ?? '');
  if (/text\/event-stream/i.test(accept)) return false;
  return ctx.url.searchParams.has('offset') || ctx.req.headers['x-trigger-electric-version'] !== undefined;
}

/** Query parameters of the protocol itself: not part of the shape's identity. */
const PROTOCOL_PARAMS = new Set(['offset', 'handle', 'live', 'cursor', 'log', 'expired_handle', 'experimental_live_sse']);

function shapeKey(url: URL): string {
  const params = [...url.searchParams.entries()].filter(([k]) => !PROTOCOL_PARAMS.has(k)).sort(([a], [b]) => a.localeCompare(b));
  return `${url.pathname}?${new URLSearchParams(params).toString()}`;
}

const StatusList = z.array(RunStatus);

export async function serveElectricFeed(deps: EngineDeps, ctx: RequestContext, p: Principal, filter: RunFilter, kind: 'run' | 'tags' | 'batch'): Promise<void> {
  const q = ctx.url.searchParams;
  const skipColumns = [...(csvParam(q.get('skipColumns')) ?? []), ...(p.kind === 'pat' ? (p.claims.realtime?.skipColumns ?? []) : [])];
  let accept: ((run: Run) => boolean) | undefined;
  let createdWithinMs: number | undefined;
  if (kind !== 'run') {
    const statusRaw = csvParam(q.get('status'));
    const statuses = statusRaw ? parse(StatusList, statusRaw, 'status') : undefined;
    const tasks = csvParam(q.get('taskIdentifier')) ?? csvParam(q.get('tasks'));
    if (statuses || tasks) accept = (run) => (!statuses || statuses.includes(run.status)) && (!tasks || tasks.includes(run.taskIdentifier));
    const createdAt = q.get('createdAt');
    if (createdAt) {
      // No hidden cap: the window is what the caller asks for ("1h", "7d", "30d" …); without one, every run.
      createdWithinMs = createdWindowMs(createdAt);
    }
  }
  const shape: ElectricShape = { key: shapeKey(ctx.url), filter, accept, createdWithinMs, skipColumns };
  await feedsFor(deps).serve(ctx.req, ctx.res, ctx.url, shape);
}
