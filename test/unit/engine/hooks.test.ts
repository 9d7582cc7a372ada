// Lifecycle hooks through the whole engine: the task's signal on cancel and maxDuration, and catchError's retry decisions.
import assert from 'node:assert/strict';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../support/engine';

const FILES: Record<string, string> = {
  'trigger/hooks.ts': `
import { task, tasks, metadata } from "@trigger.dev/sdk";

tasks.onCancel(async () => {
  metadata.set("onCancel", "global");
  await metadata.flush();
});

/** Waits for its signal, then records why it was aborted (and returns, within the grace period). */
async function untilAborted(signal: AbortSignal) {
  await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  const reason = signal.reason as Error;
  metadata.set("aborted", reason.name + ": " + reason.message);
  await metadata.flush();
  return "stopped";
}

export const cancellable = task({ id: "cancellable", run: async (_p: unknown, { signal }) => untilAborted(signal) });
export const timesOut = task({ id: "times-out", maxDuration: 1, run: async (_p: unknown, { signal }) => untilAborted(signal) });

/** Records when each attempt starts; fails until the last attempt. */
function attempts(id: string, catchError: (p: { retryDelayInMs?: number }) => unknown) {
  return task({
    id,
    retry: { maxAttempts: 3 },
    catchError: catchError as never,
    run: async (_p: unknown, { ctx }) => {
      metadata.append("startedAt", Date.now());
      await metadata.flush();
      if (ctx.attempt.number < 2) throw new Error("attempt " + ctx.attempt.number + " fails");
      return "ok";
    },
  });
}
export const retriesSoon = attempts("retries-soon", () => ({ retryDelayInMs: 50 }));
export const retriesLater = attempts("retries-later", () => ({ retryAt: new Date(Date.now() + 2500) }));
export const skips = attempts("skips", () => ({ skipRetrying: true }));
`,
};

describe('engine: lifecycle hooks, signal and catchError', function () {
  this.timeout(60_000);
  let t: TestEngine;

  before(async () => {
    t = await startTestEngine(FILES, { workers: 2, stopGraceMs: 5000 });
    await waitFor(async () => ((await t.client.listTasks()).tasks.length >= 5 ? true : undefined), 30_000, 'tasks indexed');
  });
  after(async () => t?.close());

  it('aborts the task signal on cancel and runs onCancel; the run ends CANCELED, before the grace period is over', async () => {
    const { id } = await t.client.trigger('cancellable', {});
    await waitFor(async () => ((await t.client.retrieveRun(id)).status === 'EXECUTING' ? true : undefined), 10_000, 'executing');
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await t.client.cancelRun(id);
    const run = await t.client.retrieveRun(id);
    assert.equal(run.status, 'CANCELED');
    assert.ok(Date.now() - started < 4000, 'the task ended on its signal, well before the 5 s grace period');
    assert.equal(run.metadata?.aborted, 'AbortError: The run was cancelled');
    assert.equal(run.metadata?.onCancel, 'global');
  });

  it('aborts the task signal past maxDuration; the run ends TIMED_OUT with the maxDuration error', async () => {
    const { id } = await t.client.trigger('times-out', {});
    const last = (await followRun(t.client, id, 20_000)).at(-1)!;
    assert.equal(last.status, 'TIMED_OUT');
    assert.match(last.error?.message ?? '', /maxDuration of 1 s/);
    assert.equal(last.metadata?.aborted, 'MaxDurationExceededError: The run exceeded its maxDuration');
    assert.equal(last.metadata?.onCancel, undefined, 'onCancel is for cancel only');
  });

  it('starts the retry when catchError says (retryDelayInMs, retryAt), and fails without retry on skipRetrying', async () => {
    const gap = async (task: string): Promise<number> => {
      const { id } = await t.client.trigger(task, {});
      const last = (await followRun(t.client, id, 20_000)).at(-1)!;
      assert.equal(last.status, 'COMPLETED', task);
      assert.equal(last.attemptCount, 2, task);
      const [a, b] = (last.metadata?.startedAt ?? []) as number[];
      return b! - a!;
    };
    const soon = await gap('retries-soon');
    assert.ok(soon < 800, `retryDelayInMs 50: the retry started ${soon} ms later (the default would be 1000 ms)`);
    const later = await gap('retries-later');
    assert.ok(later >= 2300, `retryAt +2.5 s: the retry started ${later} ms later`);

    const { id } = await t.client.trigger('skips', {});
    const last = (await followRun(t.client, id, 20_000)).at(-1)!;
    assert.equal(last.status, 'FAILED');
    assert.equal(last.attemptCount, 1);
    assert.equal(last.error?.message, 'attempt 1 fails');
  });
});
