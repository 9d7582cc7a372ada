import assert from 'node:assert/strict';
import { z } from 'zod';
import { schedules, schemaTask, streams, task, type AnyTask, type TaskIdentifier, type TaskOutput, type TaskPayload } from '../../../../src/sdk';
import { collectTasks, taskDefinitionOf } from '../../../../src/sdk/task/registry';

/** Trigger.dev-style task code must type-check against the SDK (this file is part of `tsc --noEmit`). */
describe('SDK task definitions', () => {
  it('infer payload and output types like @trigger.dev/sdk, and register definitions', () => {
    const { result, tasks } = collectTasks(() => {
      const plain = task({
        id: 'plain',
        maxDuration: 10,
        retry: { maxAttempts: 3, factor: 2, minTimeoutInMs: 100, maxTimeoutInMs: 1000 },
        queue: { concurrencyLimit: 1 },
        machine: 'small-1x',
        run: async (payload: { a: number }, { ctx, signal }) => ({ doubled: payload.a * 2, run: ctx.run.id, aborted: signal.aborted }),
      });
      const parsed = schemaTask({
        id: 'parsed',
        schema: z.object({ n: z.number().default(1) }),
        run: async (payload) => payload.n + 1,
      });
      const noPayload = task({ id: 'no-payload', run: async () => 'x' });
      return { plain, parsed, noPayload };
    });
    const { plain, parsed, noPayload } = result;
    const p: TaskPayload<typeof plain> = { a: 1 };
    const o: TaskOutput<typeof plain> = { doubled: 2, run: 'r', aborted: false };
    const id: TaskIdentifier<typeof plain> = 'plain';
    // schemaTask: the payload type is the schema's input (n optional because of the default)
    const sp: TaskPayload<typeof parsed> = {};
    const so: TaskOutput<typeof parsed> = 2;
    const anyTasks: AnyTask[] = [plain, parsed, noPayload];
    if (Math.random() > 2) {
      // type-level only: never runs
      // @ts-expect-error the payload of "plain" needs a number
      void plain.trigger({ a: 'no' });
      void noPayload.trigger();
      void streams.pipe(
        'k',
        (async function* () {
          yield { x: 1 };
        })(),
      );
    }
    assert.deepEqual([p, o, id, sp, so].length, 5);
    assert.deepEqual(
      anyTasks.map((t) => t.id),
      ['plain', 'parsed', 'no-payload'],
    );
    assert.deepEqual(
      tasks.map((t) => t.id),
      ['plain', 'parsed', 'no-payload'],
    );
    assert.equal(taskDefinitionOf(plain)?.maxDuration, 10);
    assert.equal(taskDefinitionOf(plain)?.retry?.maxAttempts, 3);
    assert.ok(taskDefinitionOf(parsed)?.parsePayload);
    assert.equal(taskDefinitionOf(task({ id: 'a/b', run: async () => 1 }))?.id, 'a/b', 'an id may contain "/", as in Trigger.dev');
    assert.throws(() => task({ id: '', run: async () => 1 }), /non-empty/);
  });

  it('trigger() from a task object goes through the backend SDK tasks.trigger', async () => {
    const t = task({ id: 'via-backend', run: async () => 1 });
    // No engine configured: the backend SDK's own error shows the call reached it.
    const saved = { a: process.env.RUNLIGHT_API_URL };
    process.env.RUNLIGHT_API_URL = 'http://127.0.0.1:9';
    process.env.RUNLIGHT_SECRET_KEY = 'tr_dev_x';
    try {
      await assert.rejects(t.trigger(undefined as never), (err: Error) => !/not available in this build/.test(err.message));
    } finally {
      if (saved.a === undefined) delete process.env.RUNLIGHT_API_URL;
      else process.env.RUNLIGHT_API_URL = saved.a;
      delete process.env.RUNLIGHT_SECRET_KEY;
    }
  });

  it('schedules.task: a typed schedule payload with Dates, the cron as declared, and a bad cron option refused at definition', async () => {
    const { tasks, result } = collectTasks(() => ({
      daily: schedules.task({
        id: 'daily',
        cron: { pattern: '0 5 * * *', timezone: 'Asia/Tokyo' },
        run: async (payload) => ({ at: payload.timestamp.getTime(), last: payload.lastTimestamp?.getTime(), next: payload.upcoming.map((d) => d.getTime()) }),
      }),
      attached: schedules.task({ id: 'attached', run: async (payload) => payload.externalId ?? payload.scheduleId }),
      prod: schedules.task({ id: 'prod', cron: { pattern: '0 0 * * *', environments: ['PRODUCTION'] }, run: async () => 1 }),
    }));
    assert.deepEqual(
      tasks.map((t) => [t.id, t.triggerSource, t.schedule]),
      [
        ['daily', 'schedule', { cron: '0 5 * * *', timezone: 'Asia/Tokyo' }],
        ['attached', 'schedule', undefined],
        ['prod', 'schedule', undefined],
      ],
    );
    // The JSON payload's ISO strings reach run as Dates; a hand-made payload passes unchanged.
    const def = taskDefinitionOf(result.daily)!;
    const parsed = (await def.parsePayload!({ scheduleId: 's', timestamp: '2030-01-01T00:00:00.000Z', upcoming: ['2030-01-02T00:00:00.000Z'] })) as {
      timestamp: Date;
      upcoming: Date[];
    };
    assert.ok(parsed.timestamp instanceof Date && parsed.upcoming[0] instanceof Date);
    assert.deepEqual(await def.parsePayload!('plain'), 'plain');
    assert.throws(() => schedules.task({ id: 'bad', cron: { timezone: 'UTC' } as never, run: async () => 1 }), /schedules\.task "bad": cron must be/);
  });
});
