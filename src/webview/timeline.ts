import type { Run } from '../protocol/run';
import type { LogChunk } from '../protocol/sse';
import type { AttemptOutcome, RunTimeline, TimelineAttempt, TimelineWait } from '../protocol/timeline';
import type { ChildRun, ChildRuns } from '../protocol/webview';
import { formatDuration } from '../shared/format';
import { STATUS_LOOK, isTerminal } from '../shared/status';
import { describeWait } from '../shared/waits';

/**
 * The timeline strip's layout: the run's attempts (after the time it spent queued), its waits, its child runs and
 * its log lines on one time axis, as bars and marks in pixels. Pure (no DOM): views/timeline.ts draws it.
 */

export type LaneId = 'attempts' | 'waits' | 'children' | 'logs';

export interface TimelineBar {
  /** Stable across layouts (the view keeps one element per key). */
  key: string;
  kind: 'queued' | 'attempt' | 'wait' | 'child';
  lane: LaneId;
  x: number;
  y: number;
  w: number;
  h: number;
  /** How it ended or stands: an attempt's outcome, a wait's kind, a child's status tone. */
  tone: string;
  /** Tooltip and accessible name (text, never markup). */
  label: string;
  /** Still going: it ends at "now". */
  open: boolean;
  /** data-* attributes for tests and styles. */
  data: Readonly<Record<string, string>>;
  /** A child run: a click opens its panel. */
  runId?: string;
}

export interface TimelineLane {
  id: LaneId;
  label: string;
  y: number;
  h: number;
}

export interface LogMarkSet {
  /** x of each mark (one per bucket of BUCKET_PX pixels), by the most severe level of the lines in it. */
  info: number[];
  warn: number[];
  error: number[];
  lines: number;
  warnings: number;
  errors: number;
}

export interface TimelineLayout {
  /** Pixels of the plot (right of the lane labels). */
  width: number;
  height: number;
  startMs: number;
  endMs: number;
  /** The run (or a child) is still going: the strip moves with time. */
  live: boolean;
  lanes: TimelineLane[];
  bars: TimelineBar[];
  marks: LogMarkSet;
  /** y and height of the log lane's marks. */
  marksY: number;
  marksH: number;
  ticks: { x: number; label: string }[];
  /** x of "now" while live. */
  nowX: number | undefined;
  /** One paragraph saying what the strip shows, for screen readers. */
  summary: string;
}

export interface TimelineInput {
  run: Run;
  /** From the engine; without it the strip shows what the run object says (its current attempt and wait). */
  timeline: RunTimeline | undefined;
  children: ChildRuns;
  logs: readonly LogChunk[];
  now: number;
  width: number;
}

export const ROW_H = 12;
const ROW_GAP = 3;
const LANE_GAP = 8;
const AXIS_H = 16;
const MIN_BAR = 2;
export const BUCKET_PX = 3;
/** Child runs share this many rows; more overlap in them. */
export const CHILD_ROWS = 3;
const MIN_TICK_PX = 70;

const TICK_STEPS = [
  100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000,
  43_200_000, 86_400_000,
];

/** "0s", "500ms", "2s", "1m", "1m 30s", "2h", "1h 30m": a tick's offset from the run's creation. */
export function tickLabel(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
}

const NICE = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest round span (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k ms, at least 1 s) at or above `ms`: a live strip's axis grows by these steps, not every frame. */
export function niceCeil(ms: number): number {
  if (ms <= 1000) return 1000;
  const p = 10 ** Math.floor(Math.log10(ms));
  for (const m of NICE) if (Math.round(m * p) >= ms) return Math.round(m * p);
  return 10 * p;
}

const time = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

function outcomeOfStatus(run: Run): AttemptOutcome {
  if (!isTerminal(run.status)) return 'running';
  if (run.status === 'COMPLETED') return 'completed';
  if (run.status === 'CANCELED') return 'canceled';
  return 'failed';
}

/** Without the engine's timeline: the run's current attempt and wait, from the run object. */
export function fallbackTimeline(run: Run): RunTimeline {
  const attempts: TimelineAttempt[] = run.startedAt
    ? [
        {
          number: Math.max(1, run.attemptCount),
          startedAt: run.startedAt,
          ...(run.finishedAt ? { endedAt: run.finishedAt } : {}),
          outcome: outcomeOfStatus(run),
        },
      ]
    : [];
  const waits: TimelineWait[] = run.status === 'WAITING' && run.waitingFor ? [{ startedAt: run.updatedAt, on: run.waitingFor }] : [];
  return { runId: run.id, attempts, waits };
}

const LEVEL_RANK: Readonly<Record<LogChunk['level'], number>> = { debug: 0, log: 0, info: 0, warn: 1, error: 2 };

/**
 * Log lines → marks, one per bucket of BUCKET_PX pixels (its most severe level). Keeps its buckets between calls:
 * while the axis and width stay the same, only lines appended since the last call are read (a log flood costs
 * the new lines, not all of them, per frame).
 */
export class LogMarks {
  private key = '';
  private counted = 0;
  private first: LogChunk | undefined;
  private buckets = new Map<number, number>();
  private warnings = 0;
  private errors = 0;
  private timed = 0;

  marks(logs: readonly LogChunk[], startMs: number, endMs: number, width: number): LogMarkSet {
    const key = `${startMs}|${endMs}|${width}`;
    if (key !== this.key || logs.length < this.counted || logs[0] !== this.first) {
      this.key = key;
      this.counted = 0;
      this.buckets = new Map();
      this.warnings = this.errors = this.timed = 0;
    }
    this.first = logs[0];
    const span = Math.max(1, endMs - startMs);
    for (let i = this.counted; i < logs.length; i++) {
      const l = logs[i]!;
      const rank = LEVEL_RANK[l.level] ?? 0;
      if (rank === 1) this.warnings++;
      else if (rank === 2) this.errors++;
      const t = time(l.time);
      if (t === undefined) continue;
      this.timed++;
      const x = Math.min(width - 1, Math.max(0, ((t - startMs) / span) * width));
      const b = Math.floor(x / BUCKET_PX);
      const had = this.buckets.get(b);
      if (had === undefined || rank > had) this.buckets.set(b, rank);
    }
    this.counted = logs.length;
    const set: LogMarkSet = { info: [], warn: [], error: [], lines: logs.length, warnings: this.warnings, errors: this.errors };
    const order = [...this.buckets.keys()].sort((a, b) => a - b);
    for (const b of order) {
      const rank = this.buckets.get(b)!;
      (rank === 2 ? set.error : rank === 1 ? set.warn : set.info).push(b * BUCKET_PX);
    }
    return set;
  }
}

const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

function waitWords(w: TimelineWait): string {
  return w.on.kind === 'time' ? `a time (${describeWait(w.on)})` : describeWait(w.on);
}

/** Lays the strip out for `input`; `marks` keeps the log buckets between calls (see LogMarks). */
export function layoutTimeline(input: TimelineInput, marks: LogMarks = new LogMarks()): TimelineLayout {
  const { run, children, logs, now } = input;
  const width = Math.max(1, Math.floor(input.width));
  const tl = input.timeline ?? fallbackTimeline(run);
  const start = time(run.createdAt) ?? now;
  const runEnd = isTerminal(run.status) ? (time(run.finishedAt) ?? time(run.updatedAt) ?? now) : undefined;
  const kids = [...children.runs].sort((a, b) => (time(a.createdAt) ?? 0) - (time(b.createdAt) ?? 0));
  const live = runEnd === undefined || kids.some((c) => !isTerminal(c.status));

  // The axis: from the run's creation to its end, or (live) to a round span past now, so it moves in steps.
  let last = runEnd ?? start;
  for (const a of tl.attempts) last = Math.max(last, time(a.endedAt) ?? time(a.startedAt) ?? start);
  for (const w of tl.waits) last = Math.max(last, time(w.endedAt) ?? time(w.startedAt) ?? start);
  for (const c of kids) last = Math.max(last, time(c.finishedAt) ?? time(c.createdAt) ?? start);
  const lastLog = logs.length ? time(logs[logs.length - 1]!.time) : undefined;
  if (lastLog !== undefined) last = Math.max(last, lastLog);
  if (live) last = Math.max(last, now);
  const end = live ? start + niceCeil((last - start) * 1.1) : Math.max(last, start + 1000);
  const span = end - start;
  const xOf = (t: number): number => Math.min(width, Math.max(0, ((t - start) / span) * width));
  const bar = (from: number, to: number): { x: number; w: number } => {
    const x = xOf(from);
    return { x, w: Math.max(MIN_BAR, xOf(to) - x) };
  };
  const openEnd = (iso: string | undefined): { t: number; open: boolean } => {
    const t = time(iso);
    if (t !== undefined) return { t, open: false };
    return { t: runEnd ?? now, open: runEnd === undefined };
  };

  const lanes: TimelineLane[] = [];
  const bars: TimelineBar[] = [];
  let y = 0;
  const lane = (id: LaneId, label: string, rows: number): TimelineLane => {
    const l = { id, label, y, h: rows * ROW_H + (rows - 1) * ROW_GAP };
    lanes.push(l);
    y += l.h + LANE_GAP;
    return l;
  };

  // Attempts, after the time the run was queued (or delayed) before the first one.
  const attempts = lane('attempts', 'Attempts', 1);
  const firstStart = time(tl.attempts[0]?.startedAt);
  const queuedUntil = firstStart ?? runEnd ?? now;
  if (queuedUntil > start || tl.attempts.length === 0) {
    const b = bar(start, queuedUntil);
    const open = firstStart === undefined && runEnd === undefined;
    bars.push({
      key: 'queued',
      kind: 'queued',
      lane: 'attempts',
      ...b,
      y: attempts.y + ROW_H / 4,
      h: ROW_H / 2,
      tone: 'queued',
      open,
      label: `${run.delayedUntil && firstStart === undefined ? 'Delayed' : 'Queued'} · ${formatDuration(queuedUntil - start) || '0ms'}${open ? ' so far' : ''}`,
      data: {},
    });
  }
  for (const a of tl.attempts) {
    const from = time(a.startedAt) ?? start;
    const to = openEnd(a.endedAt);
    const open = a.outcome === 'running' && to.open;
    bars.push({
      key: `attempt:${a.number}:${a.startedAt}`,
      kind: 'attempt',
      lane: 'attempts',
      ...bar(from, to.t),
      y: attempts.y,
      h: ROW_H,
      tone: a.outcome,
      open,
      label: `Attempt ${a.number} · ${a.outcome} · ${formatDuration(to.t - from) || '0ms'}${open ? ' so far' : ''}${a.error ? ` · ${a.error}` : ''}`,
      data: { attempt: String(a.number), outcome: a.outcome },
    });
  }

  if (tl.waits.length) {
    const waits = lane('waits', 'Waits', 1);
    for (const [i, w] of tl.waits.entries()) {
      const from = time(w.startedAt) ?? start;
      const to = openEnd(w.endedAt);
      bars.push({
        key: `wait:${i}:${w.startedAt}`,
        kind: 'wait',
        lane: 'waits',
        ...bar(from, to.t),
        y: waits.y,
        h: ROW_H,
        tone: w.on.kind,
        open: to.open,
        label: `Waited for ${waitWords(w)} · ${formatDuration(to.t - from) || '0ms'}${to.open ? ' so far' : ''}`,
        data: { kind: w.on.kind },
      });
    }
  }

  if (kids.length) {
    const rowEnds: number[] = [];
    const placed: { c: ChildRun; row: number; x: number; w: number; open: boolean; from: number; to: number }[] = [];
    for (const c of kids) {
      const from = time(c.createdAt) ?? start;
      const fin = time(c.finishedAt);
      const open = fin === undefined && !isTerminal(c.status);
      const to = fin ?? (open ? now : from);
      const b = bar(from, to);
      let row = rowEnds.findIndex((e) => e + 1 < b.x);
      if (row < 0 && rowEnds.length < CHILD_ROWS) row = rowEnds.push(-Infinity) - 1;
      if (row < 0) row = rowEnds.indexOf(Math.min(...rowEnds));
      rowEnds[row] = Math.max(rowEnds[row]!, b.x + b.w);
      placed.push({ c, row, ...b, open, from, to });
    }
    const lc = lane('children', 'Child runs', rowEnds.length);
    for (const p of placed) {
      const look = STATUS_LOOK[p.c.status];
      bars.push({
        key: `child:${p.c.id}`,
        kind: 'child',
        lane: 'children',
        x: p.x,
        w: p.w,
        y: lc.y + p.row * (ROW_H + ROW_GAP),
        h: ROW_H,
        tone: look.tone,
        open: p.open,
        label: `Child run ${p.c.taskIdentifier} (${p.c.id}) · ${look.label} · ${formatDuration(p.to - p.from) || '0ms'}${p.open ? ' so far' : ''} — open its panel`,
        data: { runId: p.c.id, status: p.c.status },
        runId: p.c.id,
      });
    }
  }

  let marksY = 0;
  const marksH = ROW_H;
  const markSet = marks.marks(logs, start, end, width);
  if (logs.length) marksY = lane('logs', 'Logs', 1).y;

  const axisY = y;
  const height = axisY + AXIS_H;
  const step = TICK_STEPS.find((s) => (s / span) * width >= MIN_TICK_PX) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
  const ticks: { x: number; label: string }[] = [];
  for (let t = 0; t <= span; t += step) ticks.push({ x: xOf(start + t), label: tickLabel(t) });

  return {
    width,
    height,
    startMs: start,
    endMs: end,
    live,
    lanes,
    bars,
    marks: markSet,
    marksY,
    marksH,
    ticks,
    nowX: live ? xOf(now) : undefined,
    summary: summarize(tl, kids.length, children.total, markSet, (runEnd ?? now) - start, live),
  };
}

function summarize(tl: RunTimeline, listed: number, total: number, marks: LogMarkSet, elapsed: number, live: boolean): string {
  const parts: string[] = [];
  const shown = tl.attempts.slice(-5);
  if (tl.attempts.length === 0) parts.push('no attempt yet');
  else {
    const words = shown.map((a) => `attempt ${a.number} ${a.outcome}${a.error ? ` (${a.error})` : ''}`);
    if (tl.attempts.length > shown.length) words.unshift(`${tl.attempts.length - shown.length} earlier attempts`);
    parts.push(words.join(', '));
  }
  if (tl.waits.length) parts.push(`${plural(tl.waits.length, 'wait')} (${tl.waits.slice(-3).map(waitWords).join('; ')})`);
  if (total) parts.push(`${plural(total, 'child run')}${total > listed ? ` (${listed} drawn)` : ''}`);
  if (marks.lines) parts.push(`${plural(marks.lines, 'log line')}, ${plural(marks.warnings, 'warning')}, ${plural(marks.errors, 'error')}`);
  return `Timeline over ${formatDuration(elapsed) || '0ms'}${live ? ' so far' : ''}: ${parts.join('; ')}.`;
}
