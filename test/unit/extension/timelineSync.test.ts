import assert from 'node:assert/strict';
import { TimelineSync, timelineSignature } from '../../../src/extension/panel/timelineSync';
import type { RunTimeline } from '../../../src/protocol/timeline';
import { makeRun } from './fixtures';

const tick = () => new Promise((r) => setImmediate(r));

describe('run panel timeline loading', () => {
  function setup() {
    const loads: Array<(t: RunTimeline) => void> = [];
    const applied: RunTimeline[] = [];
    const errors: unknown[] = [];
    const sync = new TimelineSync(
      () => new Promise<RunTimeline>((resolve) => loads.push(resolve)),
      (t) => applied.push(t),
      (e) => errors.push(e),
    );
    return { sync, loads, applied, errors };
  }
  const tl = (n: number): RunTimeline => ({ runId: 'r', attempts: [{ number: n, startedAt: 'x', outcome: 'running' }], waits: [] });

  it('loads when the status, attempt, wait or error changes — not for metadata or stream writes', () => {
    const run = makeRun({ status: 'EXECUTING' });
    const sig = timelineSignature(run);
    assert.equal(timelineSignature({ ...run, metadata: { progress: 0.5 }, updatedAt: 'later', realtimeStreams: ['a'] }), sig);
    assert.notEqual(timelineSignature({ ...run, status: 'WAITING', waitingFor: { kind: 'runs', runIds: ['c'] } }), sig);
    assert.notEqual(timelineSignature({ ...run, attemptCount: 2 }), sig);
    assert.notEqual(timelineSignature({ ...run, error: { message: 'boom' } }), sig);
    const { sync, loads } = setup();
    sync.runChanged(run);
    sync.runChanged({ ...run, metadata: { n: 1 } });
    assert.equal(loads.length, 1);
  });

  it('one load at a time: changes meanwhile load once more after it, so the last change is never missed', async () => {
    const { sync, loads, applied } = setup();
    const run = makeRun({ status: 'EXECUTING' });
    sync.runChanged(run);
    sync.runChanged({ ...run, status: 'WAITING' });
    sync.runChanged({ ...run, status: 'EXECUTING', attemptCount: 2 });
    assert.equal(loads.length, 1);
    loads[0]!(tl(1));
    await tick();
    assert.equal(loads.length, 2, 'one more for the changes made while the first was in flight');
    loads[1]!(tl(2));
    await tick();
    assert.deepEqual(
      applied.map((t) => t.attempts[0]!.number),
      [1, 2],
    );
    assert.equal(loads.length, 2);
  });

  it('reports a failed load (an engine without the route) and applies nothing after dispose', async () => {
    const failing = new TimelineSync(
      () => Promise.reject(new Error('404 not_found')),
      () => assert.fail('nothing to apply'),
      (e) => errors.push(e),
    );
    const errors: unknown[] = [];
    failing.reload();
    await tick();
    assert.match(String(errors[0]), /404/);
    const { sync, loads, applied } = setup();
    sync.reload();
    sync.dispose();
    loads[0]!(tl(1));
    await tick();
    assert.deepEqual(applied, []);
  });
});
