import assert from 'node:assert/strict';
import { asError, describeError } from '../../../src/shared/errors';
import { sleep } from '../../../src/shared/sleep';

describe('shared/errors', () => {
  it('describes whatever was thrown, Error or not', () => {
    assert.equal(describeError(new TypeError('bad')), 'bad');
    assert.equal(describeError('plain text'), 'plain text');
    assert.equal(describeError({ code: 7 }), '{"code":7}');
    assert.equal(describeError(undefined), 'undefined');
    assert.equal(describeError(42), '42');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    assert.equal(describeError(cyclic), '[object Object]');
  });

  it('keeps an Error as it is and wraps anything else', () => {
    const e = new RangeError('x');
    assert.equal(asError(e), e);
    const wrapped = asError({ reason: 'y' });
    assert.ok(wrapped instanceof Error);
    assert.equal(wrapped.message, '{"reason":"y"}');
  });
});

describe('shared/sleep', () => {
  it('resolves true after the time, false when aborted before or during', async () => {
    const t0 = performance.now();
    assert.equal(await sleep(20), true);
    assert.ok(performance.now() - t0 >= 19);
    const done = new AbortController();
    done.abort();
    assert.equal(await sleep(10_000, done.signal), false);
    const later = new AbortController();
    const pending = sleep(10_000, later.signal);
    setTimeout(() => later.abort(), 10);
    const t1 = performance.now();
    assert.equal(await pending, false);
    assert.ok(performance.now() - t1 < 1000, 'an abort ends the wait at once');
  });
});
