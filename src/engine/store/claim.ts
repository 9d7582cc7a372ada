import { CLAIM_MAX_PAGES, groupKey } from './codec';

/**
 * The bookkeeping of one claim, shared by both drivers: which queue groups (queue + concurrency key) are at
 * their limit, how many runs each has executing, and where the next page of candidates starts. The drivers read
 * candidates a page at a time in queue order, already without the groups their query sees as full; this decides
 * for each candidate whether it may start, counting the runs this claim takes (a driver may only write them at
 * commit, so its queries do not see them).
 */
export class ClaimBook {
  /** Groups at their limit (in the database, or by this claim's picks): their runs are passed over. */
  readonly filled = new Set<string>();
  private readonly active = new Map<string, number>();
  /** Queue order and id of the last candidate seen: the next page starts after it. */
  cursor: { order: number; id: string } = { order: Number.MIN_SAFE_INTEGER, id: '' };
  /** A run was passed over because its queue was at its limit. */
  blocked = false;
  private pages = 0;

  constructor(readonly limit: number) {}

  /** Whether to read another page: `taken` runs taken so far, the last page had `got` rows of `wanted`. */
  more(taken: number, got: number, wanted: number): boolean {
    if (taken >= this.limit || got < wanted) return false;
    if (++this.pages >= CLAIM_MAX_PAGES) {
      // Runs may remain behind the ones passed over: the scheduler claims again soon.
      this.blocked = true;
      return false;
    }
    return true;
  }

  /** Groups filled so far, as the JSON list the page queries exclude. */
  filledJson(): string {
    return JSON.stringify([...this.filled]);
  }

  /**
   * Decides for one candidate (in queue order): true when it may start. `limit` null = its queue has none.
   * `countActive` reads how many runs of the group are DEQUEUED/EXECUTING (once per group per claim).
   */
  admit(c: { id: string; order: number; queue: string; concurrencyKey: string; limit: number | null }, countActive: () => number): boolean {
    this.cursor = { order: c.order, id: c.id };
    if (c.limit === null) return true;
    const g = groupKey(c.queue, c.concurrencyKey);
    if (this.filled.has(g)) {
      this.blocked = true;
      return false;
    }
    const n = this.active.get(g) ?? countActive();
    if (n >= c.limit) {
      this.filled.add(g);
      this.blocked = true;
      return false;
    }
    this.active.set(g, n + 1);
    if (n + 1 >= c.limit) this.filled.add(g);
    return true;
  }

  /** Groups `admit` has not counted yet (a driver reading counts ahead, in one query). */
  needsCount(queue: string, concurrencyKey: string): boolean {
    return !this.active.has(groupKey(queue, concurrencyKey));
  }
}
