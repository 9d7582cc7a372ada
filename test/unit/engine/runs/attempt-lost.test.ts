import assert from 'node:assert/strict';
import { newRunRecord, withAttemptLost, withAttemptStarted, withStatus } from '../../../../src/engine/runs/model';
import type { RunRecord } from '../../../../src/engine/store/types';

/** Which attempt's children a new attempt finds again: its own, unless the engine lost the attempt before it. */
describe('runs model: attempts the engine lost', () => {
  const now = '2026-12-07T12:00:00.000Z';
  const fresh = (maxAttempts: number): RunRecord => newRunRecord({ id: 'run_a', taskIdentifier: 'parent', maxAttempts, number: 1, now });
  const start = (r: RunRecord): RunRecord => withAttemptStarted(withStatus(r, { status: 'DEQUEUED', now })!.record, 'node', 0, now).record;

  it('a lost attempt is queued again and the next one finds its children; lost twice, still the first', () => {
    const a1 = start(fresh(3));
    assert.deepEqual([a1.run.attemptCount, a1.childAttempt], [1, 1]);
    const lost = withAttemptLost(withStatus(a1, { status: 'WAITING', now })!.record, now)!.record;
    assert.equal(lost.run.status, 'QUEUED');
    assert.equal(lost.resumesAttempt, 1);
    const a2 = start(lost);
    assert.deepEqual([a2.run.attemptCount, a2.childAttempt, a2.resumesAttempt], [2, 1, undefined]);
    const a3 = start(withAttemptLost(a2, now)!.record);
    assert.deepEqual([a3.run.attemptCount, a3.childAttempt], [3, 1]);
  });

  it('a retry after a failure (not a loss) has its own children', () => {
    const a1 = start(fresh(3));
    const a2 = start(withStatus(a1, { status: 'QUEUED', now, error: { message: 'boom' } })!.record);
    assert.deepEqual([a2.run.attemptCount, a2.childAttempt], [2, 2]);
    const a3 = start(withAttemptLost(a2, now)!.record);
    assert.deepEqual([a3.run.attemptCount, a3.childAttempt], [3, 2]);
  });

  it('with no attempts left a lost run ends CRASHED, saying why', () => {
    const crashed = withAttemptLost(start(fresh(1)), now)!.record;
    assert.equal(crashed.run.status, 'CRASHED');
    assert.equal(crashed.run.error?.name, 'EngineStopped');
    assert.equal(crashed.resumesAttempt, undefined);
  });
});
