import assert from 'node:assert/strict';
import { Run } from '../../../../src/protocol/run';
import { newRunRecord, withAttemptStarted, withResumed, withStatus, withWaiting, waitingFor, type NewRunInput } from '../../../../src/engine/runs/model';
import type { RunRecord } from '../../../../src/engine/store/types';
import type { WaitOn } from '../../../../src/protocol/ipc';

const NOW = '2026-01-01T00:00:00.000Z';
const input = (over: Partial<NewRunInput> = {}): NewRunInput => ({ id: 'run_child', taskIdentifier: 'child', maxAttempts: 1, number: 1, now: NOW, ...over });

/** A run record as the engine holds it while its attempt executes. */
function executing(over: Partial<NewRunInput> = {}): RunRecord {
  return withAttemptStarted(newRunRecord(input(over)), 'node-1', Date.parse(NOW) + 60_000, NOW).record;
}

describe('run model: lineage and what a waiting run waits for', () => {
  it('gives a run triggered from inside a task its parent, root and depth on the public run object', () => {
    const r = newRunRecord(input({ parentRunId: 'run_parent', rootRunId: 'run_root', depth: 2 }));
    assert.equal(r.run.parentTaskRunId, 'run_parent');
    assert.equal(r.run.rootTaskRunId, 'run_root');
    assert.equal(r.run.depth, 2);
    assert.equal(r.parentRunId, 'run_parent');
    assert.ok(Run.safeParse(r.run).success, 'still a valid public Run');
  });

  it('takes the parent as the root (depth 1) when no lineage was given, and sets nothing on a top-level run', () => {
    const child = newRunRecord(input({ parentRunId: 'run_parent' }));
    assert.equal(child.run.rootTaskRunId, 'run_parent');
    assert.equal(child.run.depth, 1);
    const top = newRunRecord(input());
    for (const k of ['parentTaskRunId', 'rootTaskRunId', 'depth', 'waitingFor'] as const) assert.equal(k in top.run, false, k);
  });

  const cases: [string, WaitOn, unknown][] = [
    ['a token', { kind: 'token', tokenId: 'waitpoint_1' }, { kind: 'token', tokenId: 'waitpoint_1' }],
    ['child runs', { kind: 'runs', runIds: ['run_a', 'run_b'] }, { kind: 'runs', runIds: ['run_a', 'run_b'] }],
    ['a time (as an ISO string)', { kind: 'time', until: Date.parse('2026-01-01T00:05:00.000Z') }, { kind: 'time', until: '2026-01-01T00:05:00.000Z' }],
  ];
  for (const [what, on, expected] of cases) {
    it(`says on the run that it waits for ${what} while WAITING, and forgets it on resume`, () => {
      const waiting = withWaiting(executing(), on, NOW).record;
      assert.equal(waiting.run.status, 'WAITING');
      assert.deepEqual(waiting.run.waitingFor, expected);
      assert.deepEqual(waitingFor(on), expected);
      assert.ok(Run.safeParse(waiting.run).success);
      const resumed = withResumed(waiting, NOW)!.record;
      assert.equal(resumed.run.status, 'EXECUTING');
      assert.equal('waitingFor' in resumed.run, false);
      assert.equal(resumed.waitingOn, undefined);
    });
  }

  it('drops waitingFor on any status that leaves WAITING (cancel, re-queue after a lost attempt)', () => {
    const waiting = withWaiting(executing(), { kind: 'token', tokenId: 'waitpoint_1' }, NOW).record;
    for (const status of ['CANCELED', 'QUEUED', 'FAILED'] as const) {
      const next = withStatus(waiting, { status, now: NOW })!.record;
      assert.equal('waitingFor' in next.run, false, status);
    }
  });

  it('keeps the lineage through every status change', () => {
    const waiting = withWaiting(executing({ parentRunId: 'run_p', rootRunId: 'run_r', depth: 3 }), { kind: 'time', until: 0 }, NOW).record;
    const done = withStatus(withResumed(waiting, NOW)!.record, { status: 'COMPLETED', now: NOW, output: 1 })!.record;
    assert.deepEqual([done.run.parentTaskRunId, done.run.rootTaskRunId, done.run.depth], ['run_p', 'run_r', 3]);
  });
});
