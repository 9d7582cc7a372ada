import type { IncomingMessage } from 'node:http';
import { LIMITS } from '../../../protocol/api';
import { routes } from '../../../protocol/routes';
import { CreateScheduleRequest, ListSchedulesQuery, UpdateScheduleRequest } from '../../../protocol/schedules';
import { supportedTimezones } from '../../../shared/timezones';
import { requireSecret } from '../../auth/principal';
import { readJson, sendJson, type Router } from '../server';
import { parse, principal, type EngineDeps } from '../context';

const BODY = 64 * 1024;

/** Schedules on Trigger.dev's paths (`schedules.create/retrieve/list/update/del/activate/deactivate/timezones`). */
export function registerScheduleRoutes(router: Router, deps: EngineDeps): void {
  const schedules = deps.schedules;
  const body = (ctx: { req: IncomingMessage }): Promise<unknown> => readJson(ctx.req, BODY, LIMITS.jsonDepth);

  router.add('POST', routes.schedules(), async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Creating a schedule');
    const req = parse(CreateScheduleRequest, await body(ctx), 'body');
    const { schedule, created } = await schedules.create(req);
    sendJson(ctx.res, created ? 201 : 200, schedules.toObject(schedule));
  });

  router.add('GET', routes.schedules(), async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Listing schedules');
    const q = ctx.url.searchParams;
    const query = parse(
      ListSchedulesQuery,
      { ...(q.has('page') ? { page: q.get('page') } : {}), ...(q.has('perPage') ? { perPage: q.get('perPage') } : {}) },
      'query',
    );
    const page = query.page ?? 1;
    const perPage = query.perPage ?? 10;
    const { schedules: items, total } = await schedules.list(page, perPage);
    sendJson(ctx.res, 200, {
      data: items.map((s) => schedules.toObject(s)),
      pagination: { currentPage: page, totalPages: Math.ceil(total / perPage), count: total },
    });
  });

  router.add('GET', '/api/v1/schedules/:id', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Reading a schedule');
    sendJson(ctx.res, 200, schedules.toObject(await schedules.get(ctx.params.id!)));
  });

  router.add('PUT', '/api/v1/schedules/:id', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Updating a schedule');
    const req = parse(UpdateScheduleRequest, await body(ctx), 'body');
    sendJson(ctx.res, 200, schedules.toObject(await schedules.update(ctx.params.id!, req)));
  });

  router.add('DELETE', '/api/v1/schedules/:id', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Deleting a schedule');
    await schedules.delete(ctx.params.id!);
    sendJson(ctx.res, 200, { id: ctx.params.id! });
  });

  router.add('POST', '/api/v1/schedules/:id/activate', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Activating a schedule');
    sendJson(ctx.res, 200, schedules.toObject(await schedules.setActive(ctx.params.id!, true)));
  });

  router.add('POST', '/api/v1/schedules/:id/deactivate', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Deactivating a schedule');
    sendJson(ctx.res, 200, schedules.toObject(await schedules.setActive(ctx.params.id!, false)));
  });

  router.add('POST', '/api/v1/schedules/:id/run', async (ctx) => {
    requireSecret(await principal(deps, ctx), 'Running a schedule now');
    const run = await schedules.runNow(ctx.params.id!);
    sendJson(ctx.res, 201, { id: run.run.id });
  });

  // As Trigger.dev's: public (its SDK sends no key), the same list for everyone.
  router.add('GET', routes.timezones(), async (ctx) => {
    sendJson(ctx.res, 200, { timezones: supportedTimezones(ctx.url.searchParams.get('excludeUtc') === 'true') });
  });
}
