// trigger.config.ts through the whole engine (real engine, SQLite file, forked workers): retry backoff options
// honoured (a small backoff retries soon, a large one is waited for), the config's retries.default and maxDuration
// for tasks without their own, its global hooks around every task in Trigger.dev's order, `enabledInDev: false`,
// and a broken config reported by GET /api/v1/tasks while the tasks run with the defaults.
import assert from 'node:assert/strict';
import { startTestEngine, followRun, waitFor, type TestEngine } from '../../support/engine';

/** Task files of both workspaces: attempts record when they start; hooks append to metadata.trail. */
const TASKS = `
import { task, tasks, metadata } from "@trigger.dev/sdk";

tasks.onStart("file", () => void metadata.append("trail", "onStart:global"));
tasks.onSuccess("file", () => void metadata.append("trail", "onSuccess:global"));
tasks.onFailure("file", () => void metadata.append("trail", "onFailure:global"));

/** Fails until attempt \`okAt\` (never when 0); records when each attempt starts. */
function flaky(id: string, retry: object | undefined, okAt: number) {
  return task({
    id,
    maxDuration: 60,
    ...(retry ? { retry } : {}),
    onStart: () => void metadata.append("trail", "onStart:task"),
    onSuccess: () => void metadata.append("trail", "onSuccess:task"),
    onFailure: () => void metadata.append("trail", "onFailure:task"),
    catchError: () => void metadata.append("trail", "catchError:task"),
    run: async (_p: unknown, { ctx }) => {
      metadata.append("startedAt", Date.now()).append("trail", "run:" + ctx.attempt.number);
      if (okAt === 0 || ctx.attempt.number < okAt) throw new Error("attempt " + ctx.attempt.number + " fails");
      return "ok";
    },
  });
}
export const soon = flaky("backoff-small", { maxAttempts: 3, minTimeoutInMs: 50, factor: 1 }, 3);
export const later = flaky("backoff-large", { maxAttempts: 2, minTimeoutInMs: 2500, factor: 1, randomize: false }, 2);
export const byConfig = flaky("retry-by-config", undefined, 3);
export const failing = flaky("always-fails", undefined, 0);
export const slow = task({ id: "slow", run: async (_p: unknown, { signal }) => new Promise((r) => signal.addEventListener("abort", () => r("stopped"))) });
`;

const CONFIG = `
import { defineConfig } from "@trigger.dev/sdk";
import { metadata } from "@trigger.dev/sdk";

export default defineConfig({
  project: "proj_local",
  dirs: ["./src/jobs"],
  maxDuration: 1,
  retries: { enabledInDev: true, default: { maxAttempts: 3, minTimeoutInMs: 40, factor: 1.5 } },
  init: () => { metadata.append("trail", "init:config"); },
  onStart: () => void metadata.append("trail", "onStart:config"),
  onSuccess: () => void metadata.append("trail", "onSuccess:config"),
  onFailure: () => void metadata.append("trail", "onFailure:config"),
});

export const handleError = () => void metadata.append("trail", "catchError:config");
`;

/** The gaps (ms) between the starts of a run's attempts. */
function gaps(startedAt: unknown): number[] {
  const at = startedAt as number[];
  return at.slice(1).map((t, i) => t - at[i]!);
}

describe('engine: trigger.config.ts and retry backoff', function () {
  this.timeout(120_000);

  describe('a config with dirs, maxDuration, retries.default and hooks', () => {
    let t: TestEngine;
    before(async () => {
      // The tasks live in src/jobs (the config's dirs); a task file under trigger/ is not loaded.
      t = await startTestEngine({
        'src/jobs/tasks.ts': TASKS,
        'trigger.config.ts': CONFIG,
        'trigger/ignored.ts': `import { task } from "@trigger.dev/sdk";\nexport const ignored = task({ id: "ignored", run: async () => 1 });\n`,
      });
      await waitFor(async () => ((await t.client.listTasks()).tasks.length >= 5 ? true : undefined), 60_000, 'tasks indexed');
    });
    after(async () => t?.close());

    it('lists the tasks of the config dirs with its defaults, and no problem', async () => {
      const list = await t.client.listTasks();
      assert.deepEqual(list.errors, []);
      assert.deepEqual(list.taskDirs, ['src/jobs']);
      assert.deepEqual([...new Set(list.tasks.map((task) => task.filePath))], ['src/jobs/tasks.ts'], 'trigger/ is not searched');
      const info = (id: string) => list.tasks.find((task) => task.id === id)!;
      assert.equal(info('retry-by-config').maxAttempts, 3, 'retries.default.maxAttempts');
      assert.equal(info('backoff-large').maxAttempts, 2, "the task's own retry");
      assert.equal(info('slow').maxDuration, 1, 'the config maxDuration');
    });

    it('retries a task with minTimeoutInMs 50 / factor 1 within a small bound, and waits out a large backoff', async () => {
      // A warm-up run first: the first runs on a fresh engine pay its start-up work between attempts.
      await followRun(t.client, (await t.client.trigger('backoff-small', {})).id, 20_000);
      const small = (await followRun(t.client, (await t.client.trigger('backoff-small', {})).id, 20_000)).at(-1)!;
      assert.equal(small.status, 'COMPLETED');
      assert.equal(small.attemptCount, 3);
      for (const gap of gaps(small.metadata?.startedAt))
        assert.ok(gap < 900, `asked for 50–100 ms (the engine's default would be 1000 ms, then 2000 ms) of backoff, the retry started ${gap} ms later`);

      const large = (await followRun(t.client, (await t.client.trigger('backoff-large', {})).id, 20_000)).at(-1)!;
      assert.equal(large.status, 'COMPLETED');
      const [gap] = gaps(large.metadata?.startedAt);
      assert.ok(gap! >= 2450 && gap! < 4000, `asked for 2500 ms of backoff, the retry started ${gap} ms later`);
    });

    it('retries a task without its own retry by retries.default, with the config hooks first among the global ones', async () => {
      const run = (await followRun(t.client, (await t.client.trigger('retry-by-config', {})).id, 20_000)).at(-1)!;
      assert.equal(run.status, 'COMPLETED');
      assert.equal(run.attemptCount, 3);
      for (const gap of gaps(run.metadata?.startedAt)) assert.ok(gap < 900, `retries.default asks for 40–120 ms, the retry started ${gap} ms later`);
      assert.deepEqual(run.metadata?.trail, [
        'init:config',
        'onStart:config',
        'onStart:global',
        'onStart:task',
        'run:1',
        'catchError:task',
        'catchError:config',
        'init:config',
        'run:2',
        'catchError:task',
        'catchError:config',
        'init:config',
        'run:3',
        'onSuccess:config',
        'onSuccess:global',
        'onSuccess:task',
      ]);
    });

    it('runs the config onFailure once the last attempt fails', async () => {
      const run = (await followRun(t.client, (await t.client.trigger('always-fails', {})).id, 20_000)).at(-1)!;
      assert.equal(run.status, 'FAILED');
      assert.equal(run.attemptCount, 3);
      assert.deepEqual(((run.metadata?.trail ?? []) as string[]).slice(-4), ['catchError:config', 'onFailure:config', 'onFailure:global', 'onFailure:task']);
    });

    it('stops a task past the config maxDuration', async () => {
      const run = (await followRun(t.client, (await t.client.trigger('slow', {})).id, 20_000)).at(-1)!;
      assert.equal(run.status, 'TIMED_OUT');
      assert.match(run.error?.message ?? '', /maxDuration of 1 s/);
    });
  });

  describe('a config with retries.enabledInDev: false', () => {
    let t: TestEngine;
    before(async () => {
      t = await startTestEngine({
        'trigger/tasks.ts': TASKS,
        'trigger.config.ts': `import { defineConfig } from "@trigger.dev/sdk/v3";\nexport default defineConfig({ project: "p", retries: { enabledInDev: false, default: { maxAttempts: 3 } } });\n`,
      });
      await waitFor(async () => ((await t.client.listTasks()).tasks.length >= 5 ? true : undefined), 60_000, 'tasks indexed');
    });
    after(async () => t?.close());

    it('does not retry, even a task with its own retry, and calls no catchError (as Trigger.dev in dev)', async () => {
      const run = (await followRun(t.client, (await t.client.trigger('backoff-small', {})).id, 20_000)).at(-1)!;
      assert.equal(run.status, 'FAILED');
      assert.equal(run.attemptCount, 1);
      assert.deepEqual(run.metadata?.trail, ['onStart:global', 'onStart:task', 'run:1', 'onFailure:global', 'onFailure:task']);
    });
  });

  describe('a config that throws at load', () => {
    let t: TestEngine;
    before(async () => {
      t = await startTestEngine({
        'trigger/tasks.ts': TASKS,
        'trigger.config.ts': `import { defineConfig } from "@trigger.dev/sdk";\nif (!process.env.NOT_SET_ANYWHERE) throw new Error("NOT_SET_ANYWHERE is missing");\nexport default defineConfig({ project: "p", dirs: ["nowhere"] });\n`,
      });
      await waitFor(async () => ((await t.client.listTasks()).tasks.length >= 5 ? true : undefined), 60_000, 'tasks indexed');
    });
    after(async () => t?.close());

    it('is named in the task list’s errors, and the tasks run with the defaults', async () => {
      const list = await t.client.listTasks();
      assert.equal(list.errors.length, 1, list.errors.join('\n'));
      assert.match(list.errors[0]!, /^trigger\.config\.ts: it threw while loading: Error: NOT_SET_ANYWHERE is missing\n/);
      assert.match(list.errors[0]!, /the tasks load with the defaults$/);
      assert.equal(list.taskDirs, undefined);
      const run = (await followRun(t.client, (await t.client.trigger('backoff-small', {})).id, 20_000)).at(-1)!;
      assert.equal(run.status, 'COMPLETED');
      assert.deepEqual(((run.metadata?.trail ?? []) as string[]).slice(0, 2), ['onStart:global', 'onStart:task'], 'no config hooks');
    });
  });
});
