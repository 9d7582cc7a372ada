import type { Authenticator, Principal } from '../auth/principal';
import type { RunService } from '../runs/service';
import type { RunStore } from '../store/types';
import type { Hub } from '../realtime/hub';
import type { TaskInfo } from '../../protocol/api';
import type { RequestContext } from './server';
import type * as z from 'zod/mini';
import { validationError } from './errors';

/** What route handlers need from the engine. */
export interface EngineDeps {
  auth: Authenticator;
  service: RunService;
  store: RunStore;
  hub: Hub;
  tasks(): Promise<{ tasks: TaskInfo[]; errors: string[] }>;
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
