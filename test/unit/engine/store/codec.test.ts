import assert from 'node:assert/strict';
import { newRunRecord } from '../../../../src/engine/runs/model';
import { decodeRecord, encodeRecord } from '../../../../src/engine/store/codec';

describe('store codec', () => {
  const record = newRunRecord({
    id: 'run_1',
    taskIdentifier: 't',
    payload: { a: [1, 'x', null] },
    metadata: { m: { n: true } },
    tags: ['a'],
    batchId: 'batch_1',
    maxAttempts: 2,
    number: 1,
    now: '2030-01-01T00:00:00.000Z',
  });

  it('round-trips a record from text and from an already parsed value', () => {
    const plain: unknown = JSON.parse(JSON.stringify(record)); // undefined fields are not stored
    assert.deepEqual(decodeRecord(encodeRecord(record)), plain);
    assert.deepEqual(decodeRecord(JSON.parse(encodeRecord(record))), plain);
  });

  it('rejects a corrupt row with a clear error', () => {
    const bad = (patch: (o: { run: Record<string, unknown>; lastSeq?: unknown }) => void): string => {
      const o = JSON.parse(encodeRecord(record)) as { run: Record<string, unknown>; lastSeq?: unknown };
      patch(o);
      return JSON.stringify(o);
    };
    assert.throws(() => decodeRecord(bad((o) => (o.run['status'] = 'RUNNING'))), /corrupt run record/);
    assert.throws(() => decodeRecord(bad((o) => (o.run['tags'] = [1]))), /corrupt run record/);
    assert.throws(() => decodeRecord(bad((o) => delete o.lastSeq)), /corrupt run record/);
    assert.throws(() => decodeRecord(bad((o) => delete o.run['id'])), /corrupt run record/);
    assert.throws(() => decodeRecord('[]'), /corrupt run record/);
  });
});
