import assert from 'node:assert/strict';
import { DEFAULT_TASK_DIRS, isTaskFileName, taskDirectories, taskFileGlob } from '../../../src/shared/tasks';

describe('shared/tasks', () => {
  it('uses the configured task folders, tidied, or the defaults', () => {
    assert.deepEqual(taskDirectories([]), DEFAULT_TASK_DIRS);
    assert.deepEqual(taskDirectories(['  ', '.']), DEFAULT_TASK_DIRS);
    assert.deepEqual(taskDirectories(['./jobs/', 'apps/x/src/trigger']), ['jobs', 'apps/x/src/trigger']);
  });

  it('globs every task file of the folders', () => {
    assert.equal(taskFileGlob(['trigger']), 'trigger/**/*.{ts,js,mts,mjs}');
    assert.equal(taskFileGlob(DEFAULT_TASK_DIRS), '{trigger,src/trigger}/**/*.{ts,js,mts,mjs}');
  });

  it('counts task sources, not declarations or tests', () => {
    assert.deepEqual(['a.ts', 'b.mjs', 'c.d.ts', 'd.test.ts', 'e.spec.mjs', 'f.json', 'g.mts'].filter(isTaskFileName), ['a.ts', 'b.mjs', 'g.mts']);
  });
});
