// "Runlight: Create Example Task": where the file goes, and that what it writes runs on the engine as the
// walkthrough promises (streamed words, progress, a greeting).
import * as assert from 'node:assert/strict';
import { exampleTaskDir, exampleTaskSource, firstFree } from '../../../src/extension/firstRun/exampleTask';
import { followRun, startTestEngine, type TestEngine } from '../../support/engine';

describe('the example task', function () {
  this.timeout(90_000);

  it('goes into the first configured task folder, else src/trigger in a project with src/, else trigger/', () => {
    assert.equal(exampleTaskDir(['apps/web/jobs', 'jobs'], true), 'apps/web/jobs');
    assert.equal(exampleTaskDir([], true), 'src/trigger');
    assert.equal(exampleTaskDir([], false), 'trigger');
  });

  it('takes the first free name and id', () => {
    const taken = new Set(['hello-world', 'hello-world-2']);
    assert.equal(
      firstFree('hello-world', (n) => taken.has(n)),
      'hello-world-3',
    );
    assert.equal(
      firstFree('example', () => false),
      'example',
    );
  });

  describe('on the engine', () => {
    let e: TestEngine;
    before(async () => {
      e = await startTestEngine({ 'trigger/example.ts': exampleTaskSource('hello-world-2') });
    });
    after(() => e?.close());

    it('runs: the words stream in, progress reaches 1, the output is the greeting', async () => {
      const { id } = await e.client.trigger('hello-world-2', { name: 'Ada' });
      const seen = await followRun(e.client, id, 60_000);
      const last = seen.at(-1)!;
      assert.equal(last.status, 'COMPLETED', JSON.stringify(last.error));
      const greeting = 'Hello, Ada! This greeting arrives one word at a time.';
      assert.deepEqual(last.output, { greeting });
      assert.equal(last.metadata?.progress, 1);
      const progress = seen.map((r) => r.metadata?.progress).filter((p) => typeof p === 'number');
      assert.ok(progress.length >= 2, `progress seen live: ${progress.join(', ')}`);
      const chunks: unknown[] = [];
      for await (const c of e.client.subscribeToStream(id, 'words', { signal: AbortSignal.timeout(10_000) })) chunks.push(c.value);
      assert.equal(chunks.join('').trim(), greeting);
    });
  });
});
