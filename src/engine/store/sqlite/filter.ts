import type { SqlValue as SQLiteValue } from './driver';
import type { NormalFilter } from '../codec';

/**
 * WHERE clauses for a run filter on `runs r`. Lists bind as one JSON array (json_each), so the SQL
 * text (and its cached statement) depends only on which filters are present.
 * An empty list matches nothing, except `tags` (all of no tags = every run).
 */
export function filterClauses(f: NormalFilter): { clauses: string[]; params: SQLiteValue[] } {
  const clauses: string[] = [];
  const params: SQLiteValue[] = [];
  if (f.runIds) {
    clauses.push('r.id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.runIds));
  }
  if (f.status) {
    clauses.push('r.status IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.status));
  }
  if (f.taskIdentifier) {
    clauses.push('r.task_identifier IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.taskIdentifier));
  }
  if (f.tags) {
    clauses.push('r.id IN (SELECT run_id FROM run_tags WHERE tag IN (SELECT value FROM json_each(?)) GROUP BY run_id HAVING COUNT(*) = ?)');
    params.push(JSON.stringify(f.tags), f.tags.length);
  }
  if (f.batchId !== undefined) {
    clauses.push('r.batch_id = ?');
    params.push(f.batchId);
  }
  if (f.scheduleId !== undefined) {
    // Not indexed: a scan of the runs, as the filter is rare (a schedule's runs).
    clauses.push("json_extract(r.data, '$.run.schedule.id') = ?");
    params.push(f.scheduleId);
  }
  if (f.parentRunId !== undefined) {
    clauses.push('r.parent_run_id = ?');
    params.push(f.parentRunId);
  }
  if (f.createdAfterMs !== undefined) {
    clauses.push('r.created_at >= ?');
    params.push(f.createdAfterMs);
  }
  return { clauses, params };
}

export function where(clauses: string[]): string {
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}
