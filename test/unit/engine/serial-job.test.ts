import assert from 'node:assert/strict';
import { SerialJob } from '../../../src/engine/serial-job';

describe('SerialJob', () => {
  it('runs one pass at a time, and one more pass for all the kicks that came during a pass', async () => {
    let passes = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let release: (() => void) | undefined;
    const job = new SerialJob(
      async () => {
        passes++;
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        if (passes === 1) await new Promise<void>((r) => (release = r));
        inFlight--;
      },
      (e) => assert.fail(String(e)),
      () => false,
    );
    job.kick();
    job.kick();
    job.kick();
    assert.equal(passes, 1);
    release!();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(passes, 2, 'three kicks during the first pass make one more pass');
    assert.equal(maxInFlight, 1);
  });

  it('hands a failing pass to onError and runs again on the next kick; stops when told', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    let stopped = false;
    const job = new SerialJob(
      async () => {
        passes++;
        if (passes === 1) throw new Error('boom');
      },
      (e) => errors.push(e),
      () => stopped,
    );
    job.kick();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(errors.length, 1);
    job.kick();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(passes, 2);
    let release: (() => void) | undefined;
    let slowPasses = 0;
    const slow = new SerialJob(
      () => {
        slowPasses++;
        return new Promise<void>((r) => (release = r));
      },
      () => undefined,
      () => stopped,
    );
    slow.kick();
    slow.kick();
    stopped = true;
    release!();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(slowPasses, 1, 'a kick during the pass runs no further pass once stopped');
  });
});
