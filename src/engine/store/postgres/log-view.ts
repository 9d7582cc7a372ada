import type { LogView } from './settled';
import { int, type Row } from './rows';

/**
 * The select list of a view of the change log (see SettledHead), with `$1` the window start (exclusive) and `$2` its
 * size. The seqs are read under the statement's snapshot; the transactions in progress come from the activity table,
 * read while the statement runs, hence after its snapshot was taken.
 */
export const VIEW_SELECT =
  'ARRAY(SELECT a.backend_xid::text FROM pg_stat_get_activity(NULL) AS a ' +
  'WHERE a.backend_xid IS NOT NULL AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS running, ' +
  'COALESCE((SELECT max(seq) FROM run_events), 0) AS top, ARRAY(SELECT seq FROM run_events WHERE seq > $1 ORDER BY seq LIMIT $2) AS win';

/** Window size of a view: how far past the settled head one read may look. */
export const VIEW_WINDOW = 1000;

export function viewOf(row: Row): LogView {
  const win = row['win'];
  const running = row['running'];
  if (!Array.isArray(win)) throw new Error('store: column win is not an array');
  if (!Array.isArray(running)) throw new Error('store: column running is not an array');
  return {
    running: running.map(String),
    top: int(row, 'top'),
    window: win.map(Number),
  };
}
