import assert from 'node:assert/strict';
import { timelineOf, type HistoryStep } from '../../../../src/engine/runs/timeline';
import { MAX_TIMELINE_ATTEMPTS, MAX_TIMELINE_ERROR, RunTimeline } from '../../../../src/protocol/timeline';
import type { Run } from '../../../../src/protocol/run';

const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const step = (type: HistoryStep['type'], s: number, run: Partial<HistoryStep['run']> & { status: Run['status'] }): HistoryStep => ({
  type,
  run: { updatedAt: T(s), attemptCount: 0, ...run },
});

describe('run timeline from the run history', () => {
  it('an attempt, a wait on a child and the end: one completed attempt and one ended wait', () => {
    const tl = timelineOf('run_1', [
      step('created', 0, { status: 'QUEUED' }),
      step('status', 1, { status: 'DEQUEUED' }),
      step('attempt', 1, { status: 'EXECUTING', attemptCount: 1 }),
      step('status', 3, { status: 'WAITING', attemptCount: 1, waitingFor: { kind: 'runs', runIds: ['run_c'] } }),
      step('status', 7, { status: 'EXECUTING', attemptCount: 1 }),
      step('output', 8, { status: 'COMPLETED', attemptCount: 1 }),
    ]);
    assert.deepEqual(tl, {
      runId: 'run_1',
      attempts: [{ number: 1, startedAt: T(1), endedAt: T(8), outcome: 'completed' }],
      waits: [{ startedAt: T(3), endedAt: T(7), on: { kind: 'runs', runIds: ['run_c'] } }],
    });
    assert.equal(RunTimeline.safeParse(tl).success, true);
  });

  it('a failed attempt that is retried, then one that fails the run with its error (cut)', () => {
    const long = 'x'.repeat(MAX_TIMELINE_ERROR + 50);
    const tl = timelineOf('run_2', [
      step('created', 0, { status: 'QUEUED' }),
      step('attempt', 1, { status: 'EXECUTING', attemptCount: 1 }),
      step('error', 2, { status: 'EXECUTING', attemptCount: 1, error: { message: 'first' } }),
      step('attempt', 4, { status: 'EXECUTING', attemptCount: 2, error: { message: 'first' } }),
      step('error', 5, { status: 'FAILED', attemptCount: 2, error: { message: long } }),
    ]);
    assert.deepEqual(
      tl.attempts.map((a) => [a.number, a.startedAt, a.endedAt, a.outcome, a.error?.length]),
      [
        [1, T(1), T(2), 'failed', 5],
        [2, T(4), T(5), 'failed', MAX_TIMELINE_ERROR + 1],
      ],
    );
    assert.ok(tl.attempts[1]!.error!.endsWith('…'));
    assert.equal(RunTimeline.safeParse(tl).success, true);
  });

  it('an attempt the engine lost (queued again), a canceled wait, and one still running', () => {
    const lost = timelineOf('run_3', [
      step('attempt', 1, { status: 'EXECUTING', attemptCount: 1 }),
      step('status', 2, { status: 'QUEUED', attemptCount: 1 }),
      step('attempt', 3, { status: 'EXECUTING', attemptCount: 2 }),
      step('status', 4, { status: 'WAITING', attemptCount: 2, waitingFor: { kind: 'token', tokenId: 'waitpoint_1' } }),
      step('status', 6, { status: 'CANCELED', attemptCount: 2 }),
    ]);
    assert.deepEqual(
      lost.attempts.map((a) => a.outcome),
      ['lost', 'canceled'],
    );
    assert.deepEqual(lost.waits, [{ startedAt: T(4), endedAt: T(6), on: { kind: 'token', tokenId: 'waitpoint_1' } }]);
    const live = timelineOf('run_4', [
      step('attempt', 1, { status: 'EXECUTING', attemptCount: 1 }),
      step('status', 2, { status: 'WAITING', attemptCount: 1, waitingFor: { kind: 'time', until: T(60) } }),
    ]);
    assert.deepEqual(live.attempts, [{ number: 1, startedAt: T(1), outcome: 'running' }]);
    assert.deepEqual(live.waits, [{ startedAt: T(2), on: { kind: 'time', until: T(60) } }]);
  });

  it('keeps the first MAX_TIMELINE_ATTEMPTS attempts and says it cut the rest', () => {
    const steps: HistoryStep[] = [];
    for (let i = 1; i <= MAX_TIMELINE_ATTEMPTS + 3; i++) {
      steps.push(
        step('attempt', i, { status: 'EXECUTING', attemptCount: i }),
        step('error', i, { status: 'EXECUTING', attemptCount: i, error: { message: 'e' } }),
      );
    }
    const tl = timelineOf('run_5', steps);
    assert.equal(tl.attempts.length, MAX_TIMELINE_ATTEMPTS);
    assert.equal(tl.truncated, true);
    assert.equal(timelineOf('run_6', [], true).truncated, true, 'a cut history says so');
  });
});
