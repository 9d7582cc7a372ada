import assert from 'node:assert/strict';
import { isAutoTaskDir, isSkippedDirName, isTaskFileName, taskDirectories, taskFileGlob } from '../../../src/shared/tasks';

describe('shared/tasks', () => {
  it('uses the configured task folders, tidied; none listed is empty (found by name)', () => {
    assert.deepEqual(taskDirectories([]), []);
    assert.deepEqual(taskDirectories(['  ', '.']), []);
    assert.deepEqual(taskDirectories(['./jobs/', 'apps/x/src/trigger']), ['jobs', 'apps/x/src/trigger']);
  });

  it('globs every task file of the folders, or of any trigger folder', () => {
    assert.equal(taskFileGlob(['trigger']), 'trigger/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}');
    assert.equal(taskFileGlob(['trigger', 'jobs']), '{trigger,jobs}/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}');
    assert.equal(taskFileGlob([]), '**/trigger/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}');
  });

  it('counts task sources of every extension trigger dev bundles, not declarations or tests', () => {
    const names = [
      'a.ts',
      'b.mjs',
      'c.d.ts',
      'd.test.ts',
      'e.spec.mjs',
      'f.json',
      'g.mts',
      'h.tsx',
      'i.jsx',
      'j.cts',
      'k.cjs',
      'l.d.cts',
      'm.test.tsx',
      'n.js',
    ];
    assert.deepEqual(names.filter(isTaskFileName), ['a.ts', 'b.mjs', 'g.mts', 'h.tsx', 'i.jsx', 'j.cts', 'k.cjs', 'n.js']);
  });

  it('finds trigger folders by name, not Next.js route folders, and skips output and dot folders', () => {
    assert.equal(isAutoTaskDir('trigger'), true);
    assert.equal(isAutoTaskDir('apps/x/src/trigger'), true);
    assert.equal(isAutoTaskDir('app/api/trigger'), false);
    assert.equal(isAutoTaskDir('src/app/api/trigger'), false);
    assert.equal(isAutoTaskDir('api/trigger'), true);
    assert.equal(isAutoTaskDir('triggers'), false);
    for (const name of ['node_modules', '.git', '.next', 'dist', 'out', 'build']) assert.equal(isSkippedDirName(name), true, name);
    assert.equal(isSkippedDirName('src'), false);
  });
});
