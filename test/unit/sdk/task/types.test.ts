import assert from 'node:assert/strict';
import { z } from 'zod';
import { schemaTask, streams, task, type AnyTask, type TaskIdentifier, type TaskOutput, type TaskPayload } from '../../../../src/sdk';
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
});
