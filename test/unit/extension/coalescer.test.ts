import assert from 'node:assert/strict';
import { Coalescer } from '../../../src/extension/coalescer';
import { fakeTimers } from './fakeTimers';

describe('Coalescer', () => {
  it('turns a burst of schedules into one flush after the delay', () => {
    const t = fakeTimers();
    let flushes = 0;
    const c = new Coalescer(150, () => flushes++, t.timers);
    for (let i = 0; i < 100; i++) c.schedule();
    assert.equal(flushes, 0);
    t.advance(149);
    assert.equal(flushes, 0);
    t.advance(1);
    assert.equal(flushes, 1);
    assert.equal(t.pendingCount(), 0);
  });

  it('keeps flushing every delay under a steady stream (the window is not extended)', () => {
    const t = fakeTimers();
    let flushes = 0;
    const c = new Coalescer(100, () => flushes++, t.timers);
    for (let ms = 0; ms < 1000; ms += 10) {
      c.schedule();
      t.advance(10);
    }
    assert.ok(flushes >= 9 && flushes <= 10, `flushes=${flushes}`);
  });

  it('flushNow bypasses the wait and cancels the pending timer', () => {
    const t = fakeTimers();
    let flushes = 0;
    const c = new Coalescer(100, () => flushes++, t.timers);
    c.schedule();
    c.flushNow();
    assert.equal(flushes, 1);
    t.advance(500);
    assert.equal(flushes, 1);
  });

  it('never flushes after dispose', () => {
    const t = fakeTimers();
    let flushes = 0;
    const c = new Coalescer(100, () => flushes++, t.timers);
    c.schedule();
    c.dispose();
    t.advance(500);
    c.schedule();
    c.flushNow();
    assert.equal(flushes, 0);
  });

  it('with leading, flushes a change after a quiet spell at once, then at most every delay', () => {
    const t = fakeTimers();
    const at: number[] = [];
    const c = new Coalescer(40, () => at.push(t.timers.now()), t.timers, { leading: true });
    const step = (ms: number) => t.advance(ms);
    c.schedule();
    c.schedule();
    step(0);
    assert.deepEqual(at, [0], 'the first change is flushed on the next tick, a same-tick burst once');
    // A steady stream: a change every 5 ms for 100 ms.
    for (let i = 0; i < 20; i++) {
      step(5);
      c.schedule();
    }
    step(40);
    assert.deepEqual(at, [0, 40, 80, 120], 'then once per 40 ms');
    step(200);
    c.schedule();
    step(0);
    assert.equal(at.at(-1), 340, 'after a quiet spell, at once again');
  });
});
