import type { LogView } from './settled';
import { int, type Row } from './rows';

/**
 * The select list of a view of the change log (see SettledHead), evaluated under the statement's snapshot:
 * `FROM pg_current_snapshot() AS s`, with `$1` the window start (exclusive) and `$2` its size.
 */
export const VIEW_SELECT =
  'pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax, NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(s)) AS quiet, ' +
  'COALESCE((SELECT max(seq) FROM run_events), 0) AS top, ARRAY(SELECT seq FROM run_events WHERE seq > $1 ORDER BY seq LIMIT $2) AS win';

/** Window size of a view: how far past the settled head one read may look. */
export const VIEW_WINDOW = 1000;

export function viewOf(row: Row, windowFrom: number): LogView {
  const win = row['win'];
  if (!Array.isArray(win)) throw new Error('store: column win is not an array');
  return {
    xmin: BigInt(String(row['xmin'])),
    xmax: BigInt(String(row['xmax'])),
    quiet: row['quiet'] === true,
    top: int(row, 'top'),
    windowFrom,
    window: win.map(Number),
  };
}
