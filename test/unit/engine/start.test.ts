import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { followRun, makeWorkspace, startTestEngine } from '../../support/engine';
import { TASKS } from './fixtures';

describe('engine: start', function () {
  this.timeout(60_000);

  it('serves once announced; the first task list and a run triggered at once wait for the first build, then run', async () => {
    const t = await startTestEngine(TASKS, { workers: 1 });
    try {
      // No waiting for workers or the build: both calls go out the moment startEngine resolves.
      const [list, handle] = await Promise.all([t.client.listTasks(), t.client.trigger('echo', { value: 7 })]);
      assert.ok(
        list.tasks.some((x) => x.id === 'echo'),
        `the first task list has the workspace's tasks: ${JSON.stringify(list)}`,
      );
      const last = (await followRun(t.client, handle.id, 30_000)).at(-1)!;
      assert.equal(last.status, 'COMPLETED');
      assert.deepEqual(last.output, { echoed: 7 });
    } finally {
      await t.close();
    }
  });

  it('starts no worker or build once closed before they began', async () => {
    const dir = await makeWorkspace(TASKS);
    try {
      const t = await startTestEngine(TASKS, { workers: 1, dir });
      await t.close();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(existsSync(join(dir, '.runlight', 'build')), false, 'a build was started after close');
      // The same workspace started and left running builds there: the check above can see a build.
      const again = await startTestEngine(TASKS, { workers: 1, dir });
      try {
        await again.client.listTasks();
        assert.equal(existsSync(join(dir, '.runlight', 'build')), true);
      } finally {
        await again.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
