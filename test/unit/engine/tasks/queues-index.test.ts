import assert from 'node:assert/strict';
import { mergeIndexed } from '../../../../src/engine/tasks/indexer';
import { definedQueues } from '../../../../src/worker/bundle';
import { collectTasks } from '../../../../src/sdk/task/registry';
import { queue, task } from '../../../../src/sdk/task/task';

/** How task files' queues reach the catalog: what a bundle defines, and the merge over files. */
describe('tasks: queues defined in task files', () => {
  it('a bundle defines its tasks’ own queues, inline named ones and shared queue() objects; a queue only named is not defined there', () => {
    const { tasks, queues } = collectTasks(() => {
      const shared = queue({ name: 'emails', concurrencyLimit: 3 });
      queue({ name: 'unused', concurrencyLimit: 1 });
      return [
        task({ id: 'plain', run: async () => 1 }),
        task({ id: 'one', queue: { concurrencyLimit: 1 }, run: async () => 1 }),
        task({ id: 'welcome', queue: shared, run: async () => 1 }),
        task({ id: 'inline', queue: { name: 'named-inline', concurrencyLimit: 4 }, run: async () => 1 }),
        task({ id: 'by-name', queue: 'defined-elsewhere', run: async () => 1 }),
      ];
    });
    const bundle = { tasks: new Map(tasks.map((def) => [def.id, { def }])), queues };
    assert.deepEqual(
      tasks.map((t) => t.queue.name),
      ['task/plain', 'task/one', 'emails', 'named-inline', 'defined-elsewhere'],
    );
    assert.deepEqual(
      definedQueues(bundle).sort((a, b) => a.name.localeCompare(b.name)),
      [
        { name: 'emails', concurrencyLimit: 3 },
        { name: 'named-inline', concurrencyLimit: 4 },
        { name: 'task/one', concurrencyLimit: 1 },
        { name: 'task/plain' },
        { name: 'unused', concurrencyLimit: 1 },
      ],
    );
  });

  it('refuses a bad queue with an error naming the task and the field', () => {
    assert.throws(() => task({ id: 'neg', queue: { concurrencyLimit: -1 }, run: async () => 1 }), /task "neg": concurrencyLimit must be a whole number/);
    assert.throws(() => task({ id: 'frac', queue: { concurrencyLimit: 1.5 }, run: async () => 1 }), /concurrencyLimit/);
    assert.throws(() => task({ id: 'empty', queue: '', run: async () => 1 }), /task "empty": the queue name/);
    assert.throws(() => queue({ name: '', concurrencyLimit: 1 }), /queue\(\): the queue name/);
    assert.throws(() => queue({ name: 'q', concurrencyLimit: Number.NaN }), /queue "q": concurrencyLimit/);
  });

  it('merges queues over files: a defined limit wins over none, two different limits keep the first and say so', () => {
    const merged = mergeIndexed([
      {
        relPath: 'trigger/a.ts',
        tasks: [{ id: 'a', filePath: 'trigger/a.ts', queue: 'shared' }],
        queues: [{ name: 'shared' }, { name: 'x', concurrencyLimit: 2 }],
      },
      {
        relPath: 'trigger/b.ts',
        tasks: [{ id: 'b', filePath: 'trigger/b.ts', queue: 'ghost' }],
        queues: [
          { name: 'shared', concurrencyLimit: 5 },
          { name: 'x', concurrencyLimit: 3 },
        ],
      },
    ]);
    assert.deepEqual(merged.queues.get('shared'), { name: 'shared', concurrencyLimit: 5 });
    assert.deepEqual(merged.queues.get('x'), { name: 'x', concurrencyLimit: 2 });
    assert.deepEqual(merged.queues.get('ghost'), { name: 'ghost' }, 'a queue a task names but nobody defines has no limit');
    assert.deepEqual(merged.errors, ['trigger/b.ts: queue "x" is defined with concurrencyLimit 3 here and 2 elsewhere; 2 is used']);
  });
});
