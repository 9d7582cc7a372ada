import type { NormalFilter } from '../codec';

/**
 * WHERE clauses for a run filter on `runs r`, with `$n` placeholders appended to `params`.
 * An empty list matches nothing, except `tags` (all of no tags = every run).
 */
export function filterClauses(f: NormalFilter, params: unknown[]): string[] {
  const clauses: string[] = [];
  const bind = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.runIds) clauses.push(`r.id = ANY(${bind(f.runIds)}::text[])`);
  if (f.status) clauses.push(`r.status = ANY(${bind(f.status)}::text[])`);
  if (f.taskIdentifier) clauses.push(`r.task_identifier = ANY(${bind(f.taskIdentifier)}::text[])`);
  if (f.tags) clauses.push(`r.tags @> ${bind(f.tags)}::text[]`);
  if (f.batchId !== undefined) clauses.push(`r.batch_id = ${bind(f.batchId)}`);
  // Not indexed: a scan of the runs, as the filter is rare (a schedule's runs).
  if (f.scheduleId !== undefined) clauses.push(`r.data->'run'->'schedule'->>'id' = ${bind(f.scheduleId)}`);
  if (f.parentRunId !== undefined) clauses.push(`r.parent_run_id = ${bind(f.parentRunId)}`);
  if (f.createdAfterMs !== undefined) clauses.push(`r.created_at >= ${bind(f.createdAfterMs)}`);
  return clauses;
}

export function where(clauses: string[]): string {
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}
