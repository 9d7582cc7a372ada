import assert from 'node:assert/strict';
import { CONFIRM_ABOVE, bulkSummary, confirmation, needsConfirmation, planBulk } from '../../../src/extension/runs/bulkPlan';
import { makeRun } from './fixtures';

describe('bulk run actions: plan, question and report', () => {
  it('cancel takes the runs that can still be cancelled, each once; replay takes every run', () => {
    const running = makeRun({ status: 'EXECUTING' });
    const waiting = makeRun({ status: 'WAITING' });
    const done = makeRun({ status: 'COMPLETED' });
    const cancel = planBulk('cancel', [running, done, waiting, running]);
    assert.deepEqual(
      cancel.targets.map((r) => r.id),
      [running.id, waiting.id],
    );
    assert.deepEqual(
      cancel.skipped.map((r) => r.id),
      [done.id],
    );
    const replay = planBulk('replay', [done, running, done]);
    assert.deepEqual(
      replay.targets.map((r) => r.id),
      [done.id, running.id],
    );
  });

  it(`asks first only above ${CONFIRM_ABOVE} runs, naming how many, where and which tasks`, () => {
    const few = planBulk(
      'cancel',
      Array.from({ length: CONFIRM_ABOVE }, () => makeRun({ status: 'QUEUED' })),
    );
    assert.equal(needsConfirmation(few), false);
    const runs = Array.from({ length: CONFIRM_ABOVE + 2 }, (_, i) => makeRun({ status: 'FAILED', taskIdentifier: `task${i}` }));
    const many = planBulk('replay', runs);
    assert.equal(needsConfirmation(many), true);
    const q = confirmation(many, 'tagged user:42');
    assert.equal(q.message, `Replay ${CONFIRM_ABOVE + 2} runs tagged user:42?`);
    assert.equal(q.button, `Replay ${CONFIRM_ABOVE + 2} runs`);
    assert.match(q.detail, /^Tasks: task0, task1, task2, task3, task4, and 2 more\. Each starts again/);
    assert.equal(confirmation(planBulk('cancel', [makeRun({ status: 'QUEUED' })])).message, 'Cancel 1 run?');
  });

  it('reports what was done, what was skipped and what the engine refused', () => {
    const a = makeRun({ status: 'EXECUTING' });
    const b = makeRun({ status: 'EXECUTING' });
    const plan = planBulk('cancel', [a, b, makeRun({ status: 'COMPLETED' })]);
    assert.deepEqual(bulkSummary(plan, { done: [a.id, b.id], failed: [] }), {
      level: 'info',
      message: 'Runlight: Canceled 2 runs; 1 run already finished.',
    });
    const partial = bulkSummary(plan, { done: [a.id], failed: [{ runId: b.id, message: 'run_finished' }] });
    assert.equal(partial.level, 'warning');
    assert.equal(partial.message, `Runlight: Canceled 1 run; 1 run already finished; 1 could not be canceled (${b.id}: run_finished).`);
  });
});
