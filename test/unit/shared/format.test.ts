import assert from 'node:assert/strict';
import { formatDuration, formatRelative, runDurationMs } from '../../../src/shared/format';

const T0 = Date.parse('2025-01-02T03:04:05.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('shared/format', () => {
  it('formats durations one way for tree, panel and terminal', () => {
    assert.deepEqual([0, 850, 1234, 1250, 9_940, 9_960, 12_400, 65_000, 185_000, 7_380_000].map(formatDuration), [
      '0ms',
      '850ms',
      '1.2s',
      '1.3s',
      '9.9s',
      '10s',
      '12s',
      '1m 05s',
      '3m 05s',
      '2h 03m',
    ]);
    assert.equal(formatDuration(-1), '');
    assert.equal(formatDuration(Number.NaN), '');
  });

  it('formats ages coarsely, so labels do not change every second', () => {
    assert.equal(formatRelative(iso(T0), T0 + 2000), 'just now');
    assert.equal(formatRelative(iso(T0), T0 + 3 * 60_000), '3m ago');
    assert.equal(formatRelative(iso(T0), T0 + 2 * 3_600_000), '2h ago');
    assert.equal(formatRelative(iso(T0), T0 + 4 * 86_400_000), '4d ago');
    assert.equal(formatRelative(iso(T0 + 5000), T0), 'just now', 'a clock behind the engine shows no negative age');
    assert.equal(formatRelative(undefined, T0), '');
    assert.equal(formatRelative('not a date', T0), '');
  });

  it('measures a live run from startedAt and a finished one by its durationMs or its timestamps', () => {
    assert.equal(runDurationMs({ status: 'QUEUED', durationMs: 0 }, T0), undefined);
    assert.equal(runDurationMs({ status: 'EXECUTING', startedAt: iso(T0), durationMs: 0 }, T0 + 4000), 4000);
    assert.equal(runDurationMs({ status: 'COMPLETED', startedAt: iso(T0), finishedAt: iso(T0 + 900), durationMs: 750 }, T0 + 9000), 750);
    assert.equal(runDurationMs({ status: 'FAILED', startedAt: iso(T0), finishedAt: iso(T0 + 900), durationMs: 0 }, T0 + 9000), 900);
  });
});
