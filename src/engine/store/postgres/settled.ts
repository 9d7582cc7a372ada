/**
 * Where the change log of the Postgres store is complete: the settled head.
 *
 * Writers on several nodes commit in parallel, so seqs (allocated from a sequence inside each transaction) become
 * visible out of order: transaction A takes seq 10, B takes 11, B commits first. A reader that moved its cursor to
 * 11 would never see 10. Readers therefore deliver only up to the *settled head*: the highest seq h such that every
 * seq ≤ h is committed or never will be (its transaction rolled back, or the value was lost). Each read is one
 * statement: the seqs under its snapshot S, then the transactions of the database in progress. Evidence:
 *
 * - **contiguity**: from a point settled before the read began, the seqs that follow it without a gap under S are
 *   settled, and the read may deliver them;
 * - **quiet**: no transaction was in progress after S, so everything up to the highest seq visible under S is
 *   settled;
 * - **holders ended**: a read saw seq M visible and the set R of transactions then in progress; once a read begun
 *   after that one finds none of R in progress, M is settled.
 *
 * The last two rest on one invariant of the writer: a transaction has its transaction id before it allocates a seq
 * (phase 1 of every write locks or inserts rows before phase 2 allocates seqs). Then the holder of a missing seq
 * g < M had its id before M was allocated, hence before S: after S it is either in progress (so it is in R, listed
 * by its id) or ended (so g is committed or gone for good). Both are proven *after* S, when a holder may have
 * committed too late for S to show g: they settle seqs for reads begun later, never for the read that proved them.
 *
 * The transactions in progress come from the server's activity table (`pg_stat_activity.backend_xid`), not from
 * the snapshot: a snapshot lists only ids below one past the highest *completed* one, so a transaction that took
 * its id after the last one to complete is in progress without being listed.
 *
 * Contiguity is the fast path (a gap lasts as long as the transaction holding it); the other two settle gaps that
 * never fill (rollbacks, sequence values lost in a crash) and are the only ones that wait for transactions outside
 * Runlight, on the same database.
 */

/** What one statement saw of the change log. */
export interface LogView {
  /**
   * Ids of the transactions of the database in progress after the statement's snapshot; read only when the window
   * has a gap (without one, contiguity reaches `top`).
   */
  running?: readonly string[];
  /** Highest visible seq (0: none). */
  top: number;
  /** Visible seqs after the read's `from`, ascending, at most the window's size. */
  window: readonly number[];
}

/** A read in flight: where its window starts, and what was settled when it began. */
export interface LogRead {
  readonly ticket: number;
  /** The reader's cursor. */
  readonly after: number;
  /** Where the read's window starts (exclusive): the cursor, or the settled head if that is further. */
  readonly from: number;
  /** The cursor is beyond the head (another node issued it): trusted for this read, not moved into the head. */
  readonly trusted: boolean;
}

export class SettledHead {
  private settled = 0;
  private issued = 0;
  /** A seq seen visible, waiting for the transactions then in progress to end; `after`: the last read begun then. */
  private pending: { top: number; holders: ReadonlySet<string>; after: number } | undefined;

  /** Every seq ≤ this is committed or never will be. */
  get value(): number {
    return this.settled;
  }

  /** Begins a read after `after`: its view's window must start at the read's `from`. */
  begin(after: number): LogRead {
    return { ticket: ++this.issued, after, from: Math.max(after, this.settled), trusted: after > this.settled };
  }

  /** Applies the view a read got and returns how far that read may deliver. */
  apply(read: LogRead, view: LogView): number {
    let cur = read.from;
    for (const seq of view.window) {
      if (seq <= cur) continue;
      if (seq !== cur + 1) break;
      cur = seq;
    }
    if (!read.trusted) this.settled = Math.max(this.settled, cur);
    const pending = this.pending;
    const running = view.running;
    if (pending && (pending.top <= this.settled || (running && read.ticket > pending.after && !running.some((xid) => pending.holders.has(xid))))) {
      this.settled = Math.max(this.settled, pending.top);
      this.pending = undefined;
    }
    if (!running) return cur;
    if (running.length === 0) this.settled = Math.max(this.settled, view.top);
    if (!this.pending && view.top > this.settled) this.pending = { top: view.top, holders: new Set(running), after: this.issued };
    return cur;
  }
}
