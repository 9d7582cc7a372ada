import assert from 'node:assert/strict';
import { detectProgress } from '../../../src/webview/progress';

describe('metadata → progress bars', () => {
  it('finds [0,1] numbers named like progress/percent, and done/total, current/total pairs', () => {
    const bars = detectProgress({
      progress: 0.25,
      percentComplete: 1,
      download: { done: 3, total: 10 },
      steps: { current: 2, total: 4, label: 'x' },
      count: 0.5, // not named like progress
      nested: { upload: { progress: 0.9 } },
    });
    assert.deepEqual(
      bars.map((b) => [b.key, b.value, b.text]),
      [
        ['progress', 0.25, '25%'],
        ['percentComplete', 1, '100%'],
        ['download', 0.3, '3 / 10'],
        ['steps', 0.5, '2 / 4'],
        ['nested.upload.progress', 0.9, '90%'],
      ],
    );
  });

  it('ignores out-of-range values, zero totals and non-objects', () => {
    assert.deepEqual(detectProgress({ progress: 42, percent: -0.1, job: { done: 1, total: 0 }, x: { done: 'a', total: 2 } }), []);
    assert.deepEqual(detectProgress(undefined), []);
    assert.deepEqual(detectProgress([0.5]), []);
  });

  it('clamps done > total to a full bar', () => {
    assert.equal(detectProgress({ batch: { done: 12, total: 10 } })[0]!.value, 1);
  });

  it('is bounded on deep or huge metadata', () => {
    let deep: Record<string, unknown> = { progress: 0.5 };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    assert.deepEqual(detectProgress(deep), []);
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}progress`, 0.1]));
    assert.equal(detectProgress(many).length, 20);
  });
});
