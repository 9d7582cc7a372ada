import { Coalescer, realTimers, type Timers } from '../coalescer';
import { Disposable, Emitter, toDisposable } from '../lifecycle';
import type { RunStore } from '../runs/runStore';
import { buildTree, diffTree, runMatches, type TreeDiff, type TreeSnapshot } from './model';
import { EMPTY_QUERY, type RunQuery } from './runQuery';
import type { Run } from '../../protocol/run';

/** How the Runs tree is cut: runs per group before "Show more…", and the time window of finished runs. */
export interface TreeLayout {
  pageSize: number;
  windowMs?: number;
}

export interface TreeRefresh {
  diff: TreeDiff;
  snapshot: TreeSnapshot;
}

/** Run changes are gathered for this long into one rebuild, so the view refreshes at most ~7 times a second. */
export const TREE_COALESCE_MS = 150;
/** Relative times and live durations in descriptions age: rebuild this often even without events. */
const TICK_MS = 5_000;

/**
 * The Runs tree without VS Code: rebuilds the snapshot from the host's run store at most every
 * `TREE_COALESCE_MS` while runs change, and announces which nodes changed (see `diffTree`).
 */
export class TreeRefresher extends Disposable {
  private readonly _onDidRefresh = this._register(new Emitter<TreeRefresh>());
  readonly onDidRefresh = this._onDidRefresh.event;

  private snapshot: TreeSnapshot;
  private filter: RunQuery = EMPTY_QUERY;
  private readonly extraPages = new Map<string, number>();
  private readonly coalescer: Coalescer;
  private readonly now: () => number;

  constructor(
    private readonly store: RunStore,
    private layout: TreeLayout,
    options: { delayMs?: number; tickMs?: number; timers?: Timers; now?: () => number } = {},
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.coalescer = this._register(new Coalescer(options.delayMs ?? TREE_COALESCE_MS, () => this.rebuild(), options.timers ?? realTimers));
    this._register(store.onDidChange(() => this.coalescer.schedule()));
    const tickMs = options.tickMs ?? TICK_MS;
    if (tickMs > 0) {
      const tick = setInterval(() => this.coalescer.schedule(), tickMs);
      this._register(toDisposable(() => clearInterval(tick)));
    }
    this.snapshot = this.build();
  }

  get current(): TreeSnapshot {
    return this.snapshot;
  }

  get activeFilter(): RunQuery {
    return this.filter;
  }

  setLayout(layout: TreeLayout): void {
    this.layout = layout;
    this.coalescer.flushNow();
  }

  setFilter(filter: RunQuery): void {
    this.filter = filter;
    this.coalescer.flushNow();
  }

  /** "Show more…": one more page under `parentId`. */
  showMore(parentId: string): void {
    this.extraPages.set(parentId, (this.extraPages.get(parentId) ?? 0) + 1);
    this.coalescer.flushNow();
  }

  /** Rebuild now, bypassing the coalescing delay. */
  refresh(): void {
    this.coalescer.flushNow();
  }

  /**
   * The runs a tag or batch node stands for: every run of the store with that tag or in that batch that the view
   * shows (the filter and the time window apply), including those not listed yet behind "Show more…".
   */
  runsOf(group: { tag: string } | { batchId: string }): Run[] {
    const opts = { now: this.now(), filter: this.filter, windowMs: this.layout.windowMs };
    const inGroup = 'tag' in group ? (r: Run) => r.tags.includes(group.tag) : (r: Run) => r.batchId === group.batchId;
    return this.store.all().filter((r) => inGroup(r) && runMatches(r, opts));
  }

  private build(): TreeSnapshot {
    return buildTree(this.store.all(), {
      now: this.now(),
      filter: this.filter,
      pageSize: this.layout.pageSize,
      extraPages: this.extraPages,
      windowMs: this.layout.windowMs,
    });
  }

  private rebuild(): void {
    const prev = this.snapshot;
    const next = this.build();
    this.snapshot = next;
    this._onDidRefresh.fire({ diff: diffTree(prev, next), snapshot: next });
  }
}
