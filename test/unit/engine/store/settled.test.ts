import assert from 'node:assert/strict';
import { SettledHead, type LogView } from '../../../../src/engine/store/postgres/settled';

/** A view under a snapshot with transactions in progress (xmin < xmax), unless told otherwise. */
function view(window: number[], o: { from?: number; top?: number; xmin?: number; xmax?: number; quiet?: boolean } = {}): LogView {
  return {
    xmin: BigInt(o.xmin ?? 100),
    xmax: BigInt(o.xmax ?? 110),
    quiet: o.quiet ?? false,
    top: o.top ?? window.at(-1) ?? 0,
    windowFrom: o.from ?? 0,
    window,
  };
}

describe('Postgres change log: settled head', () => {
  it('moves over seqs that follow it without a gap, and stops at the first gap', () => {
    const h = new SettledHead();
    assert.equal(h.apply(view([1, 2, 3, 5, 6]), 0), 3);
    assert.equal(h.value, 3);
    // Seq 4 commits later (it was allocated before 5 and 6): the head moves over all three.
    assert.equal(h.apply(view([4, 5, 6], { from: 3 }), 3), 6);
    assert.equal(h.value, 6);
  });

  it('does not move past a gap while transactions that could hold it are in progress', () => {
    const h = new SettledHead();
    h.apply(view([1, 3], { xmin: 100, xmax: 110 }), 0);
    // xmin has not passed the first view's xmax: a transaction begun before that view may still commit seq 2.
    h.apply(view([3], { from: 1, xmin: 105, xmax: 120 }), 1);
    assert.equal(h.value, 1);
  });

  it('settles a gap that never fills once every transaction in progress at the view that saw past it has ended', () => {
    const h = new SettledHead();
    h.apply(view([1, 3, 4], { xmin: 100, xmax: 110 }), 0);
    assert.equal(h.value, 1);
    // Seq 2 rolled back. Later writes keep the log moving; xmin reaches the first view's xmax.
    const cap = h.apply(view([3, 4, 6], { from: 1, xmin: 110, xmax: 130 }), 1);
    assert.equal(h.value, 4, 'everything the first view saw (≤ 4) is settled');
    assert.equal(cap, 4, 'seq 5 may still be in progress');
  });

  it('keeps its first pending view until it settles, so a steady stream of writes cannot starve it', () => {
    const h = new SettledHead();
    h.apply(view([1, 3], { xmin: 100, xmax: 110 }), 0);
    for (let i = 0; i < 5; i++) h.apply(view([3, 10 + i], { from: 1, xmin: 101 + i, xmax: 111 + i }), 1);
    assert.equal(h.value, 1);
    h.apply(view([3, 20], { from: 1, xmin: 110, xmax: 140 }), 1);
    assert.equal(h.value, 3);
  });

  it('settles everything visible when no transaction of the cluster is in progress', () => {
    const h = new SettledHead();
    assert.equal(h.apply(view([1, 4, 9], { quiet: true, xmin: 120, xmax: 120 }), 0), 9);
    assert.equal(h.value, 9);
  });

  it("trusts a reader's cursor beyond the head for that read only", () => {
    const h = new SettledHead();
    h.apply(view([1, 2]), 0);
    // A client resumes with a cursor another node issued (10): events 11, 12 follow it.
    assert.equal(h.windowFrom(10), 10);
    assert.equal(h.apply(view([11, 12, 14], { from: 10, top: 14 }), 10), 12);
    assert.equal(h.value, 2, 'the head itself does not move on a trusted cursor');
  });

  it('never goes back, whatever order views are applied in', () => {
    const h = new SettledHead();
    h.apply(view([1, 2, 3, 4]), 0);
    h.apply(view([1, 2]), 0);
    assert.equal(h.value, 4);
  });
});
