import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/shared/json';
import { MetadataOverflowError, applyMetadataOperation, applyMetadataOperations, metadataPath } from '../../../src/shared/metadata';

describe('shared/metadata', () => {
  it('reads "$." keys as paths and any other key as one key', () => {
    assert.deepEqual(metadataPath('$.a.b'), ['a', 'b']);
    assert.deepEqual(metadataPath('a.b'), ['a.b']);
    const out = applyMetadataOperations({}, [
      { type: 'set', key: '$.progress.done', value: 1 },
      { type: 'set', key: 'a.b', value: true },
      { type: 'increment', key: '$.progress.done', value: 2 },
      { type: 'append', key: 'log', value: 'x' },
      { type: 'append', key: 'log', value: 'y' },
      { type: 'remove', key: 'log', value: 'x' },
    ]);
    assert.deepEqual(out, { progress: { done: 3 }, 'a.b': true, log: ['y'] });
  });

  it('leaves the input of applyMetadataOperations untouched', () => {
    const before: JsonObject = { list: [1], n: 1 };
    applyMetadataOperations(before, [
      { type: 'append', key: 'list', value: 2 },
      { type: 'increment', key: 'n', value: 1 },
    ]);
    assert.deepEqual(before, { list: [1], n: 1 });
  });

  it('refuses an increment past the largest JSON number, naming the key, and changes nothing', () => {
    const target: JsonObject = { big: Number.MAX_VALUE };
    assert.throws(
      () => applyMetadataOperation(target, { type: 'increment', key: 'big', value: Number.MAX_VALUE }),
      (e: unknown) =>
        e instanceof MetadataOverflowError && e.key === 'big' && /^metadata\.big: incrementing .* gives Infinity, which JSON cannot hold$/.test(e.message),
    );
    assert.deepEqual(target, { big: Number.MAX_VALUE });
  });
});
