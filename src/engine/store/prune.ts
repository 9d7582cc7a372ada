/** The part of run retention both stores share: which finished runs a policy selects, as SQL. */

import { TERMINAL_STATUSES } from '../../shared/status';
import type { PrunePolicy } from './types';

/** `'COMPLETED', 'CANCELED', …`: the statuses a run can be pruned in (constants, so inlined). */
export const TERMINAL_SQL = [...TERMINAL_STATUSES].map((s) => `'${s}'`).join(', ');

/** The newest run still kept by `keepNewest` is the one at this offset, newest first (the policy's count boundary). */
export const COUNT_BOUNDARY_SQL = 'SELECT created_at, id FROM runs ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ';

/**
 * The WHERE clause choosing the runs to prune, given the count boundary (the created_at and id of the first run
 * beyond the newest `keepNewest`, when there is one), with `param(i)` writing the i-th placeholder. Undefined when the
 * policy selects nothing.
 */
export function pruneWhere(
  policy: PrunePolicy,
  boundary: { createdAt: number; id: string } | undefined,
  param: (i: number) => string,
): { sql: string; params: (number | string)[] } | undefined {
  const either: string[] = [];
  const params: (number | string)[] = [];
  if (policy.createdBefore !== undefined) {
    params.push(policy.createdBefore);
    either.push(`created_at < ${param(params.length)}`);
  }
  if (boundary) {
    params.push(boundary.createdAt, boundary.id);
    either.push(`(created_at, id) <= (${param(params.length - 1)}, ${param(params.length)})`);
  }
  if (either.length === 0) return undefined;
  return { sql: `status IN (${TERMINAL_SQL}) AND (${either.join(' OR ')})`, params };
}
