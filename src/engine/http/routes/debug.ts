/**
 * Runlight's own route for debug runs (no Trigger.dev counterpart): `POST /api/v1/tasks/:taskId/debug` triggers a run
 * whose first attempt runs on a worker of its own with the Node inspector open on 127.0.0.1, and answers with where
 * the inspector listens. Secret key only: a debugger attached to the worker runs any code with the engine's rights.
 */

import { DebugRequest, LIMITS, TaskId, type DebugResponse } from '../../../protocol/api';
import { requireSecret } from '../../auth/principal';
import { EngineError } from '../../errors';
import type { DebugWorkers } from '../../exec/debug-workers';
import { readJson, sendJson, type Router } from '../server';
import { parse, principal, type EngineDeps } from '../context';
import { typedPayload } from './trigger-compat';

/** Trigger options a debug run cannot have: it is always a new run, started at once, not part of a batch or a parent. */
const REFUSED_OPTIONS = ['idempotencyKey', 'idempotencyKeyTTL', 'delay', 'batchId', 'parentRunId'] as const;

export function registerDebugRoutes(router: Router, deps: EngineDeps, debug: Pick<DebugWorkers, 'open' | 'bind' | 'drop'>): void {
  router.add('POST', '/api/v1/tasks/:taskId/debug', async (ctx) => {
    const taskId = parse(TaskId, ctx.params.taskId, 'taskId');
    requireSecret(await principal(deps, ctx), 'Debugging a run');
    const body = parse(DebugRequest, await readJson(ctx.req, LIMITS.payloadBytes + 1024 * 1024, LIMITS.jsonDepth), 'body');
    for (const field of REFUSED_OPTIONS) {
      if (body.options?.[field] !== undefined) {
        throw new EngineError('invalid_request', `body.options.${field}: not allowed (a debug run is a new run that starts at once)`);
      }
    }
    const payload = typedPayload(body.payload, body.payloadMeta, 'body.payloadMeta');
    const { tasks } = await deps.tasks();
    if (!tasks.some((t) => t.id === taskId)) {
      throw new EngineError('not_found', `Task "${taskId}" was not found in this workspace`);
    }
    const target = await debug.open(body.waitForDebuggerMs);
    let id: string;
    try {
      ({
        record: {
          run: { id },
        },
      } = await deps.service.trigger(taskId, payload, body.options, { beforeQueued: (runId) => debug.bind(runId, target) }));
    } catch (e) {
      debug.drop(target);
      throw e;
    }
    const answer: DebugResponse = { id, inspector: { host: target.host, port: target.port, url: target.url, waitMs: target.waitMs } };
    sendJson(ctx.res, 201, answer);
  });
}
