import { hashIdempotencyKey, keyParts, type IdempotencyKeyScope } from '../backend/idempotency';
import { currentRuntime } from './runtime';
import { unsupported } from '../backend/unsupported';

export type { IdempotencyKeyScope } from '../backend/idempotency';

/** A key made by `idempotencyKeys.create`: the SHA-256 (hex) of its material, as Trigger.dev v4 makes it. */
export type IdempotencyKey = string;

const SCOPES: readonly IdempotencyKeyScope[] = ['run', 'attempt', 'global'];

/**
 * Trigger.dev's `idempotencyKeys`. `create(key, { scope })` makes the key a trigger's `idempotencyKey` takes: inside
 * a task, scope "run" (the default) includes the run id (one child per run, the same across its retries),
 * "attempt" the run id and attempt number, "global" nothing (the same key everywhere); outside a task every scope is
 * global.
 */
export const idempotencyKeys = {
  async create(key: string | string[], options: { scope?: IdempotencyKeyScope } = {}): Promise<IdempotencyKey> {
    const scope = options.scope ?? 'run';
    if (!SCOPES.includes(scope)) throw new TypeError(`idempotencyKeys.create: scope must be "run", "attempt" or "global" (got ${String(scope)})`);
    const parts = keyParts(key, 'idempotencyKeys.create: key');
    const ctx = currentRuntime()?.ctx;
    const material = !ctx || scope === 'global' ? [] : scope === 'run' ? [ctx.run.id] : [ctx.run.id, String(ctx.attempt.number)];
    return hashIdempotencyKey([...parts, ...material]);
  },
  reset: unsupported('idempotencyKeys.reset()'),
};
