import type { Authenticator, Principal } from '../auth/principal';
import type { RunService } from '../runs/service';
import type { TokenService } from '../runs/tokens';
import type { ScheduleService } from '../schedules/service';
import type { RunStore } from '../store/types';
import type { Hub } from '../realtime/hub';
import type { TaskInfo } from '../../protocol/api';
import type { RequestContext } from './server';
import type * as z from 'zod/mini';
import { validationError } from './errors';
import { EngineError } from '../errors';
import { durationMs } from '../ids';

/** What route handlers need from the engine. */
export interface EngineDeps {
  auth: Authenticator;
  service: RunService;
  tokens: TokenService;
  schedules: ScheduleService;
  store: RunStore;
  hub: Hub;
  tasks(): Promise<{ tasks: TaskInfo[]; errors: string[]; taskDirs?: string[] }>;
  version: string;
  sse: {
    maxBufferedBytes: number;
    keepAliveMs: number;
    snapshotLimit: number;
    /** Set with several engine nodes: stream feeds also read chunks written by other nodes. */
    streamPollMs?: number;
  };
}

export function principal(deps: EngineDeps, ctx: RequestContext): Promise<Principal> {
  return deps.auth.authenticate(ctx.req.headers.authorization);
}

export function parse<T extends z.ZodMiniType>(schema: T, value: unknown, root: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, root);
  return r.data;
}

/** A feed's `createdAt` window ("1h", "7d", "2w", "90s"…) in milliseconds; refused 422 naming the parameter. */
export function createdWindowMs(value: string): number {
  let ms: number;
  try {
    ms = durationMs(value);
  } catch {
    throw new EngineError('invalid_request', 'createdAt: use a window such as "1h", "7d" or "2w"');
  }
  if (!Number.isFinite(ms) || Number.isNaN(new Date(Date.now() - ms).getTime())) {
    throw new EngineError('invalid_request', `createdAt: the window "${value}" is too large`);
  }
  return ms;
}

/** A comma-separated query parameter as its items (trimmed, empty ones dropped); undefined when it has none. */
export function csvParam(v: string | null): string[] | undefined {
  if (v === null) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}
