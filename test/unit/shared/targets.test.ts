import assert from 'node:assert/strict';
import { resolveTarget } from '../../../src/shared/targets';

describe('shared/targets', () => {
  it('resolves self, parent and root, each falling back to the nearest run that exists', () => {
    const top = { id: 'run_a' };
    const child = { id: 'run_b', parentId: 'run_a' };
    const grandchild = { id: 'run_c', parentId: 'run_b', rootId: 'run_a' };
    assert.deepEqual(
      ['self', 'parent', 'root', undefined].map((t) => resolveTarget(t, top)),
      ['run_a', 'run_a', 'run_a', 'run_a'],
    );
    assert.deepEqual(
      ['self', 'parent', 'root'].map((t) => resolveTarget(t, child)),
      ['run_b', 'run_a', 'run_a'],
    );
    assert.deepEqual(
      ['self', 'parent', 'root'].map((t) => resolveTarget(t, grandchild)),
      ['run_c', 'run_b', 'run_a'],
    );
    assert.equal(resolveTarget('run_other', grandchild), 'run_other');
  });
});
