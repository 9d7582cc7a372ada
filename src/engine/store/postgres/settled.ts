/**
 * Where the change log of the Postgres store is complete: the settled head.
 *
 * Writers on several nodes commit in parallel, so seqs (allocated from a sequence inside each transaction) become
 * visible out of order: transaction A takes seq 10, B takes 11, B commits first. A reader that moved its cursor to
 * 11 would never see 10. Readers therefore deliver only up to the *settled head*: the highest seq h such that every
 * seq ≤ h is committed or never will be (its transaction rolled back, or the value was lost). Evidence, all read in
 * one statement under one snapshot S:
 *
 * - **contiguity**: from a settled point s, the seqs s+1 … h are all visible, so they are settled;
 * - **quiet**: no transaction of the cluster was in progress at S, so everything up to the highest visible seq is
 *   settled;
 * - **xmin**: an earlier observation S0 saw seq M visible; once the oldest transaction in progress (snapshot xmin)
 *   is at least S0's xmax, every transaction that could hold a seq below M has ended, so M is settled.
 *
 * The last two rest on one invariant of the writer: a transaction has its transaction id before it allocates a seq
 * (phase 1 of every write locks or inserts rows before phase 2 allocates seqs). Then the holder of a missing seq g < M
 * allocated g before M was allocated, hence before S0, hence its id is below S0's xmax: it was in progress at S0
 * (so it ends before xmin passes it) or had ended (so g is visible or gone for good).
 *
 * Contiguity is the fast path (a gap lasts as long as the transaction holding it); the xmin rule settles gaps that
 * never fill (rollbacks, sequence values lost in a crash) and is the only one that waits for transactions outside
 * Runlight, on the same Postgres cluster.
 */

/** What one statement saw of the change log, under one snapshot. */
export interface LogView {
  /** Oldest transaction id still in progress (pg_snapshot_xmin). */
  xmin: bigint;
  /** First transaction id not yet assigned (pg_snapshot_xmax). */
  xmax: bigint;
  /** No transaction of the cluster was in progress. */
  quiet: boolean;
  /** Highest visible seq (0: none). */
  top: number;
  /** Where the window starts (exclusive). */
  windowFrom: number;
  /** Visible seqs after `windowFrom`, ascending, at most the window's size. */
  window: readonly number[];
}

export class SettledHead {
  private settled = 0;
  /** An observation waiting for xmin to pass its xmax. */
  private pending: { top: number; xmax: bigint } | undefined;

  /** Every seq ≤ this is committed or never will be. */
  get value(): number {
    return this.settled;
  }

  /** Where the next view's window should start for a read after `after`. */
  windowFrom(after: number): number {
    return Math.max(after, this.settled);
  }

  /**
   * Applies a view and returns how far a read after `after` (the same value its window was asked for) may go. A
   * caller's cursor beyond the settled head is trusted for its own read (it was settled by the node that issued it)
   * but does not move the head.
   */
  apply(view: LogView, after: number): number {
    if (this.pending && view.xmin >= this.pending.xmax) {
      this.settled = Math.max(this.settled, this.pending.top);
      this.pending = undefined;
    }
    if (view.quiet) this.settled = Math.max(this.settled, view.top);
    // Contiguity runs from a settled point: the head, or the caller's cursor.
    const trusted = after > this.settled;
    // The window starts at or below `cur` (at the head or the cursor it was asked for), so it covers what follows.
    let cur = Math.max(view.windowFrom, this.settled);
    for (const seq of view.window) {
      if (seq <= cur) continue;
      if (seq !== cur + 1) break;
      cur = seq;
    }
    if (!trusted) this.settled = Math.max(this.settled, cur);
    if (!this.pending && view.top > this.settled) this.pending = { top: view.top, xmax: view.xmax };
    return Math.max(cur, this.settled);
  }
}
