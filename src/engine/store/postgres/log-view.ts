import type { LogView } from './settled';
import { int, type Row } from './rows';

/**
 * A view of the change log (see SettledHead) as a sub-select with columns `top`, `win` and `running`, `$1` the window
 * start (exclusive) and `$2` its size. The seqs are read under the statement's snapshot. The transactions in
 * progress come from the activity table, read while the statement runs, hence after its snapshot was taken; only
 * when the window has a gap (a copy of every backend's activity costs the server more than the rest of the view).
 */
export const VIEW_FROM =
  '(SELECT v.top, v.win, CASE WHEN v.top > $1 + cardinality(v.win) THEN ARRAY(SELECT a.backend_xid::text FROM pg_stat_get_activity(NULL) AS a ' +
  'WHERE a.backend_xid IS NOT NULL AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())) END AS running ' +
  'FROM (SELECT COALESCE((SELECT max(seq) FROM run_events), 0) AS top, ARRAY(SELECT seq FROM run_events WHERE seq > $1 ORDER BY seq LIMIT $2) AS win OFFSET 0) v) AS lv';

/** Window size of a view: how far past the settled head one read may look. */
export const VIEW_WINDOW = 1000;

export function viewOf(row: Row): LogView {
  const win = row['win'];
  const running = row['running'];
  if (!Array.isArray(win)) throw new Error('store: column win is not an array');
  if (running !== null && !Array.isArray(running)) throw new Error('store: column running is not an array');
  const view: LogView = { top: int(row, 'top'), window: win.map(Number) };
  if (running) view.running = running.map(String);
  return view;
}
