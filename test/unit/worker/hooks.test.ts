// Lifecycle hooks and the `stop` message in a real forked worker (dist/worker.js).
import assert from 'node:assert/strict';
import { FakeEngine, fixtureBundle } from './support';

describe('task worker: lifecycle hooks and stop (real forked dist/worker.js)', function () {
  this.timeout(120_000);
  let engine: FakeEngine;
  let hooks: string;

  before(async () => {
    hooks = await fixtureBundle('trigger/hooks.ts');
    engine = await FakeEngine.start();
  });
  after(async () => {
    await engine?.close();
  });
  afterEach(() => {
    assert.deepEqual(engine.invalid, [], 'the worker sent a message that does not match WorkerToEngine');
  });

  it('loads a file that calls tasks.onCancel / tasks.onStart / tasks.middleware at module level and lists its tasks', async () => {
    const reply = await engine.index(hooks);
    assert.equal(reply.error, undefined);
    assert.deepEqual(
      reply.tasks.map((t) => t.id),
      ['hooks-stop', 'hooks-ok'],
    );
    // The module's global hooks apply to its tasks; onStart only on the first attempt.
    const first = await engine.execute({ taskId: 'hooks-ok', bundlePath: hooks, attempt: 1 });
    assert.deepEqual(first.end.type === 'completed' && first.end.output, ['middleware:global', 'onStart:global:hooks-ok']);
    const second = await engine.execute({ taskId: 'hooks-ok', bundlePath: hooks, attempt: 2 });
    assert.deepEqual(second.end.type === 'completed' && second.end.output, ['middleware:global']);
  });

  it('on stop (cancel) aborts the signal with a reason, then runs onCancel (global, then the task), and still reports the end', async () => {
    const attemptId = 'attempt_hooks_cancel';
    const running = engine.execute({ taskId: 'hooks-stop', bundlePath: hooks, attemptId });
    await new Promise((r) => setTimeout(r, 300));
    engine.send({ type: 'stop', attemptId, reason: 'cancel' });
    const { end } = await running;
    assert.equal(end.type, 'completed');
    assert.deepEqual(end.type === 'completed' && end.output, [
      'middleware:global',
      'onStart:global:hooks-stop',
      'run',
      'onCancel:global:AbortError',
      'onCancel:task',
      'aborted:AbortError:The run was cancelled',
    ]);
  });

  it('on stop (maxDuration) aborts the signal with MaxDurationExceededError and runs no onCancel; ignores a stop for another attempt', async () => {
    const attemptId = 'attempt_hooks_timeout';
    const running = engine.execute({ taskId: 'hooks-stop', bundlePath: hooks, attemptId, attempt: 2 });
    await new Promise((r) => setTimeout(r, 300));
    engine.send({ type: 'stop', attemptId: 'attempt_someone_else', reason: 'cancel' });
    await new Promise((r) => setTimeout(r, 100));
    engine.send({ type: 'stop', attemptId, reason: 'maxDuration' });
    const { end } = await running;
    assert.deepEqual(end.type === 'completed' && end.output, ['middleware:global', 'run', 'aborted:MaxDurationExceededError:The run exceeded its maxDuration']);
  });
});
