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
});
