import assert from 'node:assert/strict';
import { newId } from '../../../src/engine/ids';

describe('engine ids', () => {
  it('are the prefix and 21 base-36 characters, unique, every character about equally likely', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('run'));
    for (const id of ids.slice(0, 100)) assert.match(id, /^run_[0-9a-z]{21}$/);
    assert.equal(new Set(ids).size, ids.length);
    const counts = new Map<string, number>();
    for (const id of ids) for (const c of id.slice(4)) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.equal(counts.size, 36);
    const expected = (ids.length * 21) / 36;
    // A byte taken modulo 36 would make 0–3 about 14 % likelier than the rest; allow ±4 %.
    for (const [c, n] of counts) assert.ok(Math.abs(n / expected - 1) < 0.04, `${c}: ${n} (expected ${expected.toFixed(0)})`);
    assert.match(newId('batch'), /^batch_[0-9a-z]{21}$/);
  });
});
