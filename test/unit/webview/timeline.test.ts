import assert from 'node:assert/strict';
import type { LogChunk } from '../../../src/protocol/sse';
import type { RunTimeline } from '../../../src/protocol/timeline';
import type { ChildRuns } from '../../../src/protocol/webview';
import { BUCKET_PX, CHILD_ROWS, LogMarks, fallbackTimeline, layoutTimeline, niceCeil, tickLabel, type TimelineInput } from '../../../src/webview/timeline';
import { makeRun, T0 } from '../extension/fixtures';

const at = (ms: number) => new Date(T0 + ms).toISOString();
const NO_CHILDREN: ChildRuns = { runs: [], total: 0 };

/** A run created at T0 that waited 1 s, ran attempt 1 (failed), then attempt 2 with a 4 s wait on a child; done at 10 s. */
function finished(): TimelineInput {
  const run = makeRun({
    id: 'run_p',
    status: 'COMPLETED',
    createdAt: at(0),
    updatedAt: at(10_000),
    startedAt: at(1_000),
    finishedAt: at(10_000),
    attemptCount: 2,
  });
  const timeline: RunTimeline = {
    runId: 'run_p',
    attempts: [
      { number: 1, startedAt: at(1_000), endedAt: at(2_000), outcome: 'failed', error: 'boom' },
      { number: 2, startedAt: at(3_000), endedAt: at(10_000), outcome: 'completed' },
    ],
    waits: [{ startedAt: at(4_000), endedAt: at(8_000), on: { kind: 'runs', runIds: ['run_c'] } }],
  };
  const children: ChildRuns = {
    runs: [{ id: 'run_c', taskIdentifier: 'critic', status: 'COMPLETED', createdAt: at(4_000), startedAt: at(4_100), finishedAt: at(7_900) }],
    total: 1,
  };
  const logs: LogChunk[] = [
    { level: 'info', message: 'a', time: at(1_500) },
    { level: 'error', message: 'b', time: at(1_510) },
    { level: 'warn', message: 'c', time: at(9_000) },
  ];
  return { run, timeline, children, logs, now: T0 + 60_000, width: 1000 };
}

describe('timeline strip layout', () => {
  it('puts queued time, attempts, waits and child runs on one axis from the run’s creation to its end', () => {
    const l = layoutTimeline(finished());
    assert.equal(l.live, false);
    assert.equal(l.startMs, T0);
    assert.equal(l.endMs, T0 + 10_000);
    assert.deepEqual(
      l.lanes.map((x) => x.id),
      ['attempts', 'waits', 'children', 'logs'],
    );
    const bars = Object.fromEntries(l.bars.map((b) => [b.key.split(':').slice(0, 2).join(':'), b]));
    assert.deepEqual([bars['queued']!.x, bars['queued']!.w], [0, 100]);
    assert.deepEqual([bars['attempt:1']!.x, bars['attempt:1']!.w, bars['attempt:1']!.tone], [100, 100, 'failed']);
    assert.deepEqual([bars['attempt:2']!.x, bars['attempt:2']!.w, bars['attempt:2']!.tone], [300, 700, 'completed']);
    assert.deepEqual([bars['wait:0']!.x, bars['wait:0']!.w, bars['wait:0']!.tone], [400, 400, 'runs']);
    assert.deepEqual([bars['child:run_c']!.x, Math.round(bars['child:run_c']!.w), bars['child:run_c']!.runId], [400, 390, 'run_c']);
    assert.equal(bars['attempt:1']!.label, 'Attempt 1 · failed · 1.0s · boom');
    assert.equal(bars['wait:0']!.label, 'Waited for 1 run · 4.0s');
    assert.equal(bars['child:run_c']!.label, 'Child run critic (run_c) · Completed · 3.9s — open its panel');
    assert.deepEqual(bars['attempt:2']!.data, { attempt: '2', outcome: 'completed' });
    assert.deepEqual(bars['child:run_c']!.data, { runId: 'run_c', status: 'COMPLETED' });
    assert.ok(l.bars.every((b) => !b.open));
    assert.equal(l.nowX, undefined);
    // Lanes stack downwards and bars sit in their lane.
    for (const b of l.bars) {
      const lane = l.lanes.find((x) => x.id === b.lane)!;
      assert.ok(b.y >= lane.y && b.y + b.h <= lane.y + lane.h, `${b.key} in ${lane.id}`);
    }
    assert.ok(l.height > l.lanes.at(-1)!.y + l.lanes.at(-1)!.h);
  });

  it('marks log lines per few pixels, the most severe level winning, and counts them', () => {
    const l = layoutTimeline(finished());
    // 1.5 s and 1.51 s fall in one bucket: the error wins.
    assert.deepEqual(l.marks.error, [150]);
    assert.deepEqual(l.marks.info, []);
    assert.deepEqual(l.marks.warn, [Math.floor(900 / BUCKET_PX) * BUCKET_PX]);
    assert.deepEqual([l.marks.lines, l.marks.warnings, l.marks.errors], [3, 1, 1]);
  });

  it('says what it shows in one sentence (the strip’s description for screen readers)', () => {
    assert.equal(
      layoutTimeline(finished()).summary,
      'Timeline over 10s: attempt 1 failed (boom), attempt 2 completed; 1 wait (1 run); 1 child run; 3 log lines, 1 warning, 1 error.',
    );
  });

  it('while live: open bars end at now, the axis runs to a round span past it, and a "now" line shows', () => {
    const input = finished();
    const run = { ...input.run, status: 'WAITING' as const, finishedAt: undefined, waitingFor: { kind: 'token' as const, tokenId: 'waitpoint_1' } };
    const timeline: RunTimeline = {
      runId: run.id,
      attempts: [{ number: 1, startedAt: at(1_000), outcome: 'running' }],
      waits: [{ startedAt: at(2_000), on: { kind: 'token', tokenId: 'waitpoint_1' } }],
    };
    const l = layoutTimeline({ ...input, run, timeline, children: NO_CHILDREN, logs: [], now: T0 + 9_000 });
    assert.equal(l.live, true);
    assert.equal(l.endMs - l.startMs, 10_000, '9 s × 1.1 → 10 s');
    const attempt = l.bars.find((b) => b.kind === 'attempt')!;
    assert.equal(attempt.open, true);
    assert.equal(attempt.x + attempt.w, 900);
    assert.equal(attempt.label, 'Attempt 1 · running · 8.0s so far');
    assert.equal(l.bars.find((b) => b.kind === 'wait')!.label, 'Waited for token waitpoint_1 · 7.0s so far');
    assert.equal(l.nowX, 900);
    assert.deepEqual(
      l.lanes.map((x) => x.id),
      ['attempts', 'waits'],
      'empty lanes are left out',
    );
    // A second later the axis stays (no reflow every frame); past 10 s it grows by a round step.
    assert.equal(layoutTimeline({ ...input, run, timeline, children: NO_CHILDREN, logs: [], now: T0 + 9_090 }).endMs, l.endMs);
    assert.equal(layoutTimeline({ ...input, run, timeline, children: NO_CHILDREN, logs: [], now: T0 + 9_200 }).endMs - T0, 12_000);
  });

  it('a queued run shows only its (open) queued bar; a delayed one says so', () => {
    const run = makeRun({ status: 'QUEUED', createdAt: at(0), updatedAt: at(0), attemptCount: 0 });
    const l = layoutTimeline({ run, timeline: undefined, children: NO_CHILDREN, logs: [], now: T0 + 2_000, width: 500 });
    assert.deepEqual(
      l.bars.map((b) => [b.kind, b.open]),
      [['queued', true]],
    );
    assert.match(l.bars[0]!.label, /^Queued · 2\.0s so far$/);
    assert.equal(l.summary, 'Timeline over 2.0s so far: no attempt yet.');
    const delayed = layoutTimeline({
      run: { ...run, status: 'DELAYED', delayedUntil: at(5_000) },
      timeline: undefined,
      children: NO_CHILDREN,
      logs: [],
      now: T0 + 1_000,
      width: 500,
    });
    assert.match(delayed.bars[0]!.label, /^Delayed/);
  });

  it('packs child runs into at most CHILD_ROWS rows, overlapping ones below each other', () => {
    const input = finished();
    const runs = Array.from({ length: 5 }, (_, i) => ({
      id: `run_k${i}`,
      taskIdentifier: 'leaf',
      status: 'COMPLETED' as const,
      createdAt: at(1_000 + i * 10),
      finishedAt: at(6_000),
    }));
    const l = layoutTimeline({ ...input, children: { runs, total: 7 } });
    const lane = l.lanes.find((x) => x.id === 'children')!;
    const rows = new Set(l.bars.filter((b) => b.kind === 'child').map((b) => b.y));
    assert.equal(rows.size, CHILD_ROWS);
    assert.ok(l.bars.filter((b) => b.kind === 'child').every((b) => b.y + b.h <= lane.y + lane.h));
    assert.match(l.summary, /7 child runs \(5 drawn\)/);
  });

  it('without the engine’s timeline: the current attempt and wait from the run object', () => {
    const run = makeRun({
      status: 'WAITING',
      createdAt: at(0),
      startedAt: at(500),
      updatedAt: at(1_000),
      attemptCount: 3,
      waitingFor: { kind: 'time', until: at(9_000) },
    });
    assert.deepEqual(fallbackTimeline(run), {
      runId: run.id,
      attempts: [{ number: 3, startedAt: at(500), outcome: 'running' }],
      waits: [{ startedAt: at(1_000), on: { kind: 'time', until: at(9_000) } }],
    });
  });

  it('reads only the log lines appended since the last layout while the axis stays', () => {
    const marks = new LogMarks();
    const logs: LogChunk[] = [{ level: 'info', message: 'x', time: at(100) }];
    assert.deepEqual(marks.marks(logs, T0, T0 + 1000, 100).info, [9]);
    const more = [...logs, { level: 'error' as const, message: 'y', time: at(101) }, { level: 'info' as const, message: 'z', time: at(900) }];
    const m = marks.marks(more, T0, T0 + 1000, 100);
    assert.deepEqual([m.info, m.error, m.lines], [[90], [9], 3]);
    // A new axis, or a new list (a new snapshot), counts from the start again.
    assert.deepEqual(marks.marks(more, T0, T0 + 2000, 100).error, [3]);
    assert.deepEqual(marks.marks([{ level: 'warn', message: 'w', time: at(500) }], T0, T0 + 2000, 100).warn, [24]);
  });

  it('labels ticks as offsets from the creation, and rounds spans up', () => {
    assert.deepEqual([0, 500, 2000, 60_000, 90_000, 3_600_000, 5_400_000].map(tickLabel), ['0s', '500ms', '2s', '1m', '1m 30s', '1h', '1h 30m']);
    assert.deepEqual([10, 1001, 9000, 10_001, 25_300, 130_000].map(niceCeil), [1000, 1200, 10_000, 12_000, 30_000, 150_000]);
    const l = layoutTimeline(finished());
    assert.deepEqual(
      l.ticks.map((t) => t.label),
      ['0s', '1s', '2s', '3s', '4s', '5s', '6s', '7s', '8s', '9s', '10s'],
    );
  });
});
