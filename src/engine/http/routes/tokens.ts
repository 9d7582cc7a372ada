import { LIMITS } from '../../../protocol/api';
import { JWT_HEADER, routes } from '../../../protocol/routes';
import { JWT_SUBJECT } from '../../../protocol/auth';
import { CreateWaitTokenRequest, WaitTokenStatus } from '../../../protocol/waitpoints';
import { allows, requireScope, requireSecret, type Resource } from '../../auth/principal';
import { EngineError } from '../../errors';
import { readBody, readJson, sendJson, type Router } from '../server';
import { csvParam, createdWindowMs, parse, principal, type EngineDeps } from '../context';
import * as z from 'zod/mini';

const BODY = LIMITS.payloadBytes + 1024 * 1024;
const DEPTH = LIMITS.jsonDepth;
const TOKEN_PAT_SECONDS = 24 * 3600;

const CompleteBody = z.object({ data: z.optional(z.unknown()) });
const Statuses = z.array(WaitTokenStatus);

const tokenResource = (id: string): Resource[] => [{ type: 'waitpoints', id }];

/** JSON text of a completion's data (absent: no output). */
function outputOf(data: unknown): string | undefined {
  return data === undefined ? undefined : JSON.stringify(data);
}

/** Wait tokens on Trigger.dev's waitpoint-token paths. */
export function registerTokenRoutes(router: Router, deps: EngineDeps): void {
  const tokens = deps.tokens;

  router.add('POST', routes.waitTokens(), async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Creating a wait token');
    const body = parse(CreateWaitTokenRequest, await readJson(ctx.req, 64 * 1024, DEPTH), 'body');
    const { token, isCached } = await tokens.create(body);
    // The token's own Public Access Token: it may complete (and read) this token only, e.g. from a browser.
    const jwt = await deps.auth.mint([`write:waitpoints:${token.id}`, `read:waitpoints:${token.id}`], TOKEN_PAT_SECONDS);
    sendJson(
      ctx.res,
      200,
      { id: token.id, isCached, url: tokens.url(token) },
      { [JWT_HEADER]: jwt, 'x-trigger-jwt-claims': JSON.stringify({ sub: JWT_SUBJECT, pub: true }) },
    );
  });

  router.add('GET', routes.waitTokens(), async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Listing wait tokens');
    const q = ctx.url.searchParams;
    const size = q.get('page[size]') ?? q.get('limit');
    const pageSize = size === null ? 20 : Number(size);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new EngineError('invalid_request', 'page[size]: an integer from 1 to 100');
    const status = csvParam(q.get('filter[status]'));
    const period = q.get('filter[createdAt][period]');
    const from = q.get('filter[createdAt][from]');
    let createdAfter: number | undefined;
    if (period) createdAfter = Date.now() - createdWindowMs(period);
    else if (from) createdAfter = /^\d+$/.test(from) ? Number(from) : Date.parse(from);
    if (createdAfter !== undefined && !Number.isFinite(createdAfter)) throw new EngineError('invalid_request', 'filter[createdAt][from]: a date or epoch ms');
    const records = await tokens.list(
      {
        ...(status ? { status: parse(Statuses, status, 'filter[status]') } : {}),
        ...(q.get('filter[idempotencyKey]') ? { idempotencyKey: q.get('filter[idempotencyKey]')! } : {}),
        ...(csvParam(q.get('filter[tags]')) ? { tags: csvParam(q.get('filter[tags]')) } : {}),
        ...(createdAfter !== undefined ? { createdAfter } : {}),
      },
      { size: pageSize + 1, after: q.get('page[after]') ?? undefined },
    );
    const data = records.slice(0, pageSize).map((t) => tokens.item(t));
    const next = records.length > pageSize ? data[data.length - 1]?.id : undefined;
    sendJson(ctx.res, 200, { data, pagination: next ? { next } : {} });
  });

  router.add('GET', '/api/v1/waitpoints/tokens/:id', async (ctx) => {
    const p = await principal(deps, ctx);
    const id = ctx.params.id!;
    if (!allows(p, 'read', tokenResource(id))) requireScope(p, 'write', tokenResource(id), `wait token ${id}`);
    sendJson(ctx.res, 200, tokens.retrieved(await tokens.get(id)));
  });

  router.add('POST', '/api/v1/waitpoints/tokens/:id/complete', async (ctx) => {
    const p = await principal(deps, ctx);
    const id = ctx.params.id!;
    requireScope(p, 'write', tokenResource(id), `completing wait token ${id}`);
    const body = parse(CompleteBody, await readJson(ctx.req, BODY, DEPTH), 'body');
    await tokens.complete(id, outputOf(body.data));
    sendJson(ctx.res, 200, { success: true });
  });

  // The callback URL: no Authorization, the secret in the path is the key; the whole body is the output.
  router.add('POST', '/api/v1/waitpoints/tokens/:id/callback/:secret', async (ctx) => {
    const text = (await readBody(ctx.req, BODY)).toString('utf8');
    let output = '{}';
    try {
      if (text.trim() !== '') {
        JSON.parse(text);
        output = text;
      }
    } catch {
      // As Trigger.dev: a body that is not JSON completes the token with {}.
    }
    await tokens.completeByCallback(ctx.params.id!, ctx.params.secret!, output);
    sendJson(ctx.res, 200, { success: true });
  });
}
