// Task ids containing "/": listed, triggered over HTTP (percent-encoded) and run.
import assert from 'node:assert/strict';
import { followRun, startTestEngine } from '../../../support/engine';

describe('task ids with "/" over HTTP', function () {
  this.timeout(120_000);

  it('lists, triggers (percent-encoded and through the client) and runs task "a/b"; dotenv values win over the engine environment', async () => {
    process.env.RUNLIGHT_TEST_WHO_WINS = 'process';
    const t = await startTestEngine(
      {
        'package.json': JSON.stringify({ name: 'slash', type: 'module' }),
        '.env': 'RUNLIGHT_TEST_WHO_WINS=file\n',
        'apps/x/trigger/ab.ts':
          'import { task } from "@trigger.dev/sdk";\nexport const ab = task({ id: "a/b", run: async (p: { n: number }) => ({ n: p.n, who: process.env.RUNLIGHT_TEST_WHO_WINS }) });\n',
      },
      { workers: 1 },
    );
    try {
      const list = await t.client.listTasks();
      assert.deepEqual(
        list.tasks.map((x) => [x.id, x.filePath]),
        [['a/b', 'apps/x/trigger/ab.ts']],
      );
      const res = await fetch(`${t.url}/api/v1/tasks/a%2Fb/trigger`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ payload: { n: 1 } }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      const { id } = (await res.json()) as { id: string };
      const first = (await followRun(t.client, id, 30_000)).at(-1)!;
      assert.equal(first.status, 'COMPLETED', JSON.stringify(first.error));
      assert.equal(first.taskIdentifier, 'a/b');
      assert.deepEqual(first.output, { n: 1, who: 'file' });

      const handle = await t.client.trigger('a/b', { n: 2 });
      const second = (await followRun(t.client, handle.id, 30_000)).at(-1)!;
      assert.deepEqual(second.output, { n: 2, who: 'file' });
    } finally {
      delete process.env.RUNLIGHT_TEST_WHO_WINS;
      await t.close();
    }
  });
});
