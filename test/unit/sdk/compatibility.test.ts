import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as official from '@trigger.dev/sdk';
import * as ours from '../../../src/sdk';
import { EngineApiError } from '../../../src/client/errors';
import { followRun, repoRoot, startTestEngine, waitFor } from '../../support/engine';

/**
 * The README's "Compatibility" table is kept true: every export of the official `@trigger.dev/sdk` 4.8.3 (and every
 * member of its namespace objects) exists in Runlight's SDK and is named in the table; what is not supported says so
 * when called.
 */

const officialExports = Object.entries(official as Record<string, unknown>);
const ourExports = ours as Record<string, unknown>;

/** The names written in backticks in the first column of the README's Compatibility table. */
function tableNames(): Set<string> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = /^## Compatibility\n([\s\S]*?)^## /m.exec(readme)?.[1];
  assert.ok(section, 'the README has a "## Compatibility" section');
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const first = /^\| ([^|]+) \|/.exec(line)?.[1];
    for (const m of first?.matchAll(/`([^`]+)`/g) ?? []) names.add(m[1]!);
  }
  return names;
}

describe('sdk: compatibility with @trigger.dev/sdk 4.8.3', () => {
  it('has every official export, and every member of the official namespace objects', () => {
    const missing: string[] = [];
    for (const [name, value] of officialExports) {
      if (!(name in ourExports)) {
        missing.push(name);
        continue;
      }
      if (value && typeof value === 'object') {
        const mine = ourExports[name] as Record<string, unknown>;
        for (const member of Object.keys(value)) if (!(member in mine)) missing.push(`${name}.${member}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('names every official export in the README table', () => {
    const names = tableNames();
    const absent = officialExports.map(([name]) => name).filter((name) => !names.has(name));
    assert.deepEqual(absent, []);
  });

  it('throws UnsupportedApiError naming the API for what is not supported', async () => {
    const calls: [string, () => unknown][] = [
      ['envvars.list()', () => ours.envvars.list()],
      ['runs.reschedule()', () => ours.runs.reschedule()],
      ['streams.input()', () => ours.streams.input()],
      ['waitUntil()', () => ours.waitUntil()],
      ['new TriggerClient()', () => new ours.TriggerClient()],
      // An object upstream (OpenTelemetry's metrics API): its methods throw, it is not itself a function.
      ['otel.metrics.getMeter()', () => ours.otel.metrics.getMeter()],
    ];
    for (const [api, call] of calls) {
      assert.throws(call, (e: Error) => e instanceof ours.UnsupportedApiError && e.message.startsWith(`${api} is not supported by Runlight`), api);
    }
  });

  it("gives the SDK's HTTP errors Trigger.dev's classes", () => {
    const body = (code: string) => JSON.stringify({ error: { code, message: 'no' } });
    assert.ok(EngineApiError.fromBody(404, body('run_not_found')) instanceof ours.NotFoundError);
    assert.ok(EngineApiError.fromBody(409, body('run_finished')) instanceof ours.ConflictError);
    assert.ok(EngineApiError.fromBody(401, body('invalid_api_key')) instanceof ours.AuthenticationError);
    assert.ok(EngineApiError.fromBody(500, body('internal_error')) instanceof ours.InternalServerError);
    assert.ok(EngineApiError.fromBody(418, 'teapot') instanceof ours.ApiError);
  });

  it('runs a task file that imports unsupported APIs: its tasks load, and a call fails the run naming the API', async function () {
    this.timeout(60_000);
    const t = await startTestEngine(
      {
        'trigger/mixed.ts': `
import { task, envvars, usage, heartbeats, CompleteTaskWithOutput, runs, retry } from "@trigger.dev/sdk";
export const fine = task({
  id: "fine",
  run: async () => {
    await heartbeats.yield();
    const { result } = await usage.measure(async () => 41 + 1);
    throw new CompleteTaskWithOutput({ result, cost: usage.getCurrent().totalCostInCents });
  },
});
export const cloudy = task({ id: "cloudy", retry: { maxAttempts: 1 }, run: async () => envvars.list("proj", "dev") });
export const flaky = task({
  id: "flaky",
  run: async () => retry.onThrow(async ({ attempt, maxAttempts }) => {
    if (attempt < 3) throw new Error("not yet");
    return { attempt, maxAttempts };
  }, { maxAttempts: 3, minTimeoutInMs: 10, maxTimeoutInMs: 20, randomize: false }),
});
export const ctxDump = task({
  id: "ctx-dump",
  maxDuration: 30,
  run: async (_p: unknown, { ctx }) => ({
    run: [ctx.run.id, ctx.run.createdAt instanceof Date, ctx.run.startedAt instanceof Date, ctx.run.idempotencyKey, ctx.run.maxDuration, ctx.run.isTest],
    attempt: [ctx.attempt.number, ctx.attempt.startedAt instanceof Date],
    task: [ctx.task.id, ctx.task.filePath, ctx.task.exportName],
    queue: ctx.queue.name,
    environment: ctx.environment.type,
    project: typeof ctx.project.ref,
    machine: ctx.machine.name,
  }),
});
export const poller = task({
  id: "poller",
  run: async () => {
    const h = await fine.trigger();
    const done = await runs.poll(h.id, { pollIntervalMs: 50 });
    return done.output;
  },
});
`,
      },
      { workers: 2 },
    );
    try {
      await waitFor(async () => ((await t.client.listTasks()).tasks.length === 5 ? true : undefined), 30_000, 'the five tasks');
      const fine = (await followRun(t.client, (await t.client.trigger('fine', {})).id, 30_000)).at(-1)!;
      assert.deepEqual([fine.status, fine.output], ['COMPLETED', { result: 42, cost: 0 }]);
      const cloudy = (await followRun(t.client, (await t.client.trigger('cloudy', {})).id, 30_000)).at(-1)!;
      assert.equal(cloudy.status, 'FAILED');
      assert.equal(cloudy.error?.name, 'UnsupportedApiError');
      assert.match(cloudy.error?.message ?? '', /^envvars\.list\(\) is not supported by Runlight/);
      const flaky = (await followRun(t.client, (await t.client.trigger('flaky', {})).id, 30_000)).at(-1)!;
      assert.deepEqual([flaky.status, flaky.attemptCount, flaky.output], ['COMPLETED', 1, { attempt: 3, maxAttempts: 3 }]);
      const ctxRun = await t.client.trigger('ctx-dump', {}, { idempotencyKey: 'ctx-key' });
      const ctx = (await followRun(t.client, ctxRun.id, 30_000)).at(-1)!;
      assert.deepEqual(ctx.output, {
        run: [ctxRun.id, true, true, 'ctx-key', 30, false],
        attempt: [1, true],
        task: ['ctx-dump', 'trigger/mixed.ts', 'ctxDump'],
        queue: 'task/ctx-dump',
        environment: 'DEVELOPMENT',
        project: 'string',
        machine: 'local',
      });
      const poller = (await followRun(t.client, (await t.client.trigger('poller', {})).id, 30_000)).at(-1)!;
      assert.deepEqual([poller.status, poller.output], ['COMPLETED', { result: 42, cost: 0 }]);
    } finally {
      await t.close();
    }
  });
});
