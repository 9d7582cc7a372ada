import assert from 'node:assert/strict';
import { waitForMs, wait } from '../../../../src/sdk/task/wait';
import { TaskRunPromise, SubtaskUnwrapError, tasks } from '../../../../src/sdk/task/subtasks';

describe('sdk: wait durations and triggerAndWait results', () => {
  it('takes Trigger.dev units (a month is 30 days, a year 365) and refuses unknown or negative ones', () => {
    assert.equal(waitForMs({ seconds: 2 }), 2000);
    assert.equal(waitForMs({ minutes: 1.5 }), 90_000);
    assert.equal(waitForMs({ weeks: 1 }), 7 * 86_400_000);
    assert.equal(waitForMs({ months: 1 }), 30 * 86_400_000);
    assert.equal(waitForMs({ years: 2 }), 730 * 86_400_000);
    assert.throws(() => waitForMs({ fortnights: 1 } as never), /unknown unit "fortnights"/);
    assert.throws(() => waitForMs({ seconds: -1 }), /non-negative/);
    assert.throws(() => waitForMs({}), /needs a duration/);
  });

  it('sleeps in place outside a task, and wait.until a past date returns at once', async () => {
    const t = Date.now();
    await wait.for({ seconds: 0.05 });
    assert.ok(Date.now() - t >= 45);
    await wait.until({ date: new Date(Date.now() - 1000) });
    await assert.rejects(wait.until({ date: new Date(Date.now() - 1000), throwIfInThePast: true }), /in the past/);
  });

  it('unwraps a completed result, and throws SubtaskUnwrapError with the child error as cause', async () => {
    const ok = new TaskRunPromise<'a', number>((resolve) => resolve({ ok: true, id: 'run_1', taskIdentifier: 'a', output: 5 }), 'a');
    assert.equal(await ok.unwrap(), 5);
    const cause = new TypeError('bad');
    const bad = new TaskRunPromise<'a', number>((resolve) => resolve({ ok: false, id: 'run_2', taskIdentifier: 'a', error: cause }), 'a');
    const err = await bad.unwrap().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SubtaskUnwrapError);
    assert.equal(err.message, 'Error in a: bad');
    assert.equal(err.runId, 'run_2');
    assert.equal(err.taskId, 'a');
    assert.equal(err.cause, cause);
  });

  it('refuses triggerAndWait outside a task', async () => {
    await assert.rejects(tasks.triggerAndWait('a', {}), /inside a task/);
  });
});
