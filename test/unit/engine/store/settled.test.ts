import assert from 'node:assert/strict';
import { SettledHead, type LogView } from '../../../../src/engine/store/postgres/settled';

/** A view with transactions 100 and 101 in progress, unless told otherwise. */
function view(window: number[], o: { top?: number; running?: number[] } = {}): LogView {
  return {
    running: (o.running ?? [100, 101]).map(String),
    top: o.top ?? window.at(-1) ?? 0,
    window,
  };
}

/** Begins a read after `after` and applies the view it got; returns how far the read may deliver. */
function read(h: SettledHead, after: number, v: LogView): number {
  return h.apply(h.begin(after), v);
}

describe('Postgres change log: settled head', () => {
  it('moves over seqs that follow it without a gap, and stops at the first gap', () => {
    const h = new SettledHead();
    assert.equal(read(h, 0, view([1, 2, 3, 5, 6])), 3);
    assert.equal(h.value, 3);
    // Seq 4 commits later (it was allocated before 5 and 6): the head moves over all three.
    assert.equal(read(h, 3, view([4, 5, 6])), 6);
    assert.equal(h.value, 6);
  });

  it('does not move past a gap while transactions that could hold it are in progress', () => {
    const h = new SettledHead();
    read(h, 0, view([1, 3], { running: [100, 101] }));
    // Transaction 101, in progress when seq 3 was seen, may still commit seq 2; 102 began later.
    assert.equal(read(h, 1, view([3], { running: [101, 102] })), 1);
    assert.equal(h.value, 1);
  });

  it('settles a gap that never fills once the transactions in progress at the view that saw past it have ended: for reads begun after that', () => {
    const h = new SettledHead();
    read(h, 0, view([1, 3, 4], { running: [100, 101] }));
    assert.equal(h.value, 1);
    // Seq 2 rolled back; 100 and 101 have ended. The read that finds out may itself deliver only what follows its
    // start without a gap: a holder may have committed after its snapshot.
    assert.equal(read(h, 1, view([3, 4, 6], { running: [110, 120] })), 1);
    assert.equal(h.value, 4, 'everything the first view saw (≤ 4) is settled');
    assert.equal(read(h, 1, view([3, 4, 6], { running: [110, 120] })), 4, 'a read begun later delivers up to it; seq 5 may still be in progress');
  });

  it('does not let a read begun before the view that saw past a gap settle it', () => {
    const h = new SettledHead();
    read(h, 0, view([1]));
    const early = h.begin(1); // its statement may run before the next read's, when the holder of seq 2 had no id yet
    read(h, 1, view([3], { running: [105] }));
    h.apply(early, view([], { running: [] }));
    assert.equal(h.value, 1, 'seq 2 is not settled by what the earlier read saw');
    read(h, 1, view([3], { running: [] }));
    assert.equal(h.value, 3);
  });

  it('keeps its first pending view until it settles, so a steady stream of writes cannot starve it', () => {
    const h = new SettledHead();
    read(h, 0, view([1, 3], { running: [100, 101] }));
    // Newer transactions keep starting while 101 runs on; the pending view waits only for 100 and 101.
    for (let i = 0; i < 5; i++) read(h, 1, view([3, 10 + i], { running: [101, 110 + i] }));
    assert.equal(h.value, 1);
    read(h, 1, view([3, 20], { running: [120, 130] }));
    assert.equal(h.value, 3);
  });

  it('settles everything visible when no transaction of the database is in progress, for reads begun after', () => {
    const h = new SettledHead();
    assert.equal(read(h, 0, view([1, 4, 9], { running: [] })), 1);
    assert.equal(h.value, 9);
    assert.equal(read(h, 1, view([4, 9], { running: [] })), 9);
  });

  it('moves by contiguity alone on a view without a gap (whose transactions in progress are not read)', () => {
    const h = new SettledHead();
    read(h, 0, view([1, 3], { running: [100] }));
    assert.equal(read(h, 1, { top: 3, window: [2, 3] }), 3, 'seq 2 came: no gap up to the top');
    assert.equal(h.value, 3);
    // A resumed reader ahead of the head: no gap after its cursor, so nothing is known of the transactions in progress.
    assert.equal(h.apply(h.begin(8), { top: 9, window: [9] }), 9);
    read(h, 3, view([9], { running: [100] }));
    assert.equal(h.value, 3, 'the reader ahead left nothing pending that a later view could settle while 100 may hold seq 4');
    read(h, 3, view([9], { running: [] }));
    assert.equal(h.value, 9, 'settled once nothing is in progress');
  });

  it("trusts a reader's cursor beyond the head for that read only", () => {
    const h = new SettledHead();
    read(h, 0, view([1, 2]));
    // A client resumes with a cursor another node issued (10): events 11, 12 follow it.
    const resumed = h.begin(10);
    assert.equal(resumed.from, 10);
    assert.equal(h.apply(resumed, view([11, 12, 14], { top: 14 })), 12);
    assert.equal(h.value, 2, 'the head itself does not move on a trusted cursor');
  });

  it('never goes back, whatever order views are applied in', () => {
    const h = new SettledHead();
    const [late, early] = [h.begin(0), h.begin(0)];
    h.apply(late, view([1, 2, 3, 4]));
    h.apply(early, view([1, 2]));
    assert.equal(h.value, 4);
  });
});
