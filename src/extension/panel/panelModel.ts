import type { Json, Run } from '../../protocol/run';
import { LogChunk } from '../../protocol/sse';
import type { RunTimeline } from '../../protocol/timeline';
import {
  MAX_PANEL_CHILDREN,
  type ChildRun,
  type ChildRuns,
  type HostToWebview,
  type PanelNotice,
  type StreamItem,
  type StreamSlice,
} from '../../protocol/webview';

/**
 * What a run panel shows, kept in the host (a hidden webview loses its messages and state): the run,
 * every stream's items and the log lines. The webview gets `snapshot()` when it says `ready`, then
 * `takeDelta()` at most every PANEL_DELTA_MS while something changed. Pure: no vscode, no timers.
 */

export interface PanelModelLimits {
  /** Items kept per stream; older ones are dropped (and the snapshot says `truncated`). */
  streamItems: number;
  logLines: number;
}

/** The host sends the webview a delta at most this often (one frame at 60 Hz) while a run streams. */
export const PANEL_DELTA_MS = 16;

export const DEFAULT_LIMITS: PanelModelLimits = { streamItems: 50_000, logLines: 10_000 };

interface StreamBuffer {
  key: string;
  /** idx (within the stream) of items[0]. */
  base: number;
  items: StreamItem[];
  ended: boolean;
  /** idx of the first item not yet sent in a delta; undefined = nothing pending. */
  pendingFrom: number | undefined;
  endPending: boolean;
}

const HEX_PREVIEW_BYTES = 32;

/** A decoded chunk value → what the webview shows. */
export function toStreamItem(value: unknown): StreamItem {
  if (typeof value === 'string') return { kind: 'text', text: value };
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
    const hex = Array.from(bytes.subarray(0, HEX_PREVIEW_BYTES), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { kind: 'binary', size: bytes.byteLength, hex };
  }
  return { kind: 'json', value: toJson(value) };
}

function toJson(value: unknown): Json {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as Json;
  } catch {
    return String(value);
  }
}

/** A chunk of the `$logs` stream → a log line (anything unexpected is shown as a plain line). */
export function toLogLine(value: unknown): LogChunk {
  const parsed = LogChunk.safeParse(value);
  if (parsed.success) return parsed.data;
  return { level: 'log', message: typeof value === 'string' ? value : (JSON.stringify(value) ?? ''), time: '' };
}

/** The runs triggered from inside `parentId` among `runs`, oldest first; the first MAX_PANEL_CHILDREN of them listed. */
export function childRunsOf(runs: Iterable<Run>, parentId: string, max = MAX_PANEL_CHILDREN): ChildRuns {
  const all: ChildRun[] = [];
  for (const r of runs) {
    if (r.parentTaskRunId === parentId && r.id !== parentId) {
      all.push({
        id: r.id,
        taskIdentifier: r.taskIdentifier,
        status: r.status,
        createdAt: r.createdAt,
        ...(r.startedAt ? { startedAt: r.startedAt } : {}),
        ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
      });
    }
  }
  all.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { runs: all.slice(0, max), total: all.length };
}

function sameChildren(a: ChildRuns, b: ChildRuns): boolean {
  return (
    a.total === b.total &&
    a.runs.length === b.runs.length &&
    a.runs.every((r, i) => {
      const o = b.runs[i]!;
      return r.id === o.id && r.status === o.status && r.taskIdentifier === o.taskIdentifier && r.startedAt === o.startedAt && r.finishedAt === o.finishedAt;
    })
  );
}

export class RunPanelModel {
  private run: Run | null = null;
  private runDirty = false;
  private readonly streams = new Map<string, StreamBuffer>();
  private logs: LogChunk[] = [];
  private pendingLogs = 0;
  private truncated = false;
  private children: ChildRuns = { runs: [], total: 0 };
  private childrenDirty = false;
  private timeline: RunTimeline | undefined;
  private timelineDirty = false;

  constructor(
    readonly runId: string,
    private readonly limits: PanelModelLimits = DEFAULT_LIMITS,
  ) {}

  get currentRun(): Run | null {
    return this.run;
  }

  streamKeys(): string[] {
    return [...this.streams.keys()];
  }

  /** Number of items received so far for `key` (the next idx expected). */
  nextIdx(key: string): number {
    const s = this.streams.get(key);
    return s ? s.base + s.items.length : 0;
  }

  /** The child runs listed (their panels may be opened from this one). */
  get childRuns(): ChildRuns {
    return this.children;
  }

  hasPending(): boolean {
    if (this.runDirty || this.childrenDirty || this.timelineDirty || this.pendingLogs > 0) return true;
    for (const s of this.streams.values()) if (s.pendingFrom !== undefined || s.endPending) return true;
    return false;
  }

  setRun(run: Run): void {
    if (run.id !== this.runId) return;
    this.run = run;
    this.runDirty = true;
  }

  /** Replaces the list of child runs; false (and nothing to send) when it is the same. */
  setChildren(children: ChildRuns): boolean {
    if (sameChildren(this.children, children)) return false;
    this.children = children;
    this.childrenDirty = true;
    return true;
  }

  /** Replaces the run's timeline; false (and nothing to send) when it is the same. */
  setTimeline(timeline: RunTimeline): boolean {
    if (timeline.runId !== this.runId) return false;
    if (this.timeline && JSON.stringify(this.timeline) === JSON.stringify(timeline)) return false;
    this.timeline = timeline;
    this.timelineDirty = true;
    return true;
  }

  get currentTimeline(): RunTimeline | undefined {
    return this.timeline;
  }

  /** Makes the stream known (its tab appears) even before its first chunk. */
  ensureStream(key: string): void {
    if (this.streams.has(key)) return;
    this.streams.set(key, { key, base: 0, items: [], ended: false, pendingFrom: 0, endPending: false });
  }

  /** Appends chunks that start at stream index `fromIdx`; chunks already held are skipped. */
  appendChunks(key: string, fromIdx: number, items: readonly StreamItem[]): void {
    this.ensureStream(key);
    const s = this.streams.get(key)!;
    const next = s.base + s.items.length;
    const skip = Math.max(0, next - fromIdx);
    if (skip >= items.length) return;
    const fresh = items.slice(skip);
    s.pendingFrom ??= next;
    s.items.push(...fresh);
    const over = s.items.length - this.limits.streamItems;
    if (over > 0) {
      s.items.splice(0, over);
      s.base += over;
      if (s.pendingFrom < s.base) s.pendingFrom = s.base;
      this.truncated = true;
    }
  }

  endStream(key: string): void {
    this.ensureStream(key);
    const s = this.streams.get(key)!;
    if (s.ended) return;
    s.ended = true;
    s.endPending = true;
  }

  appendLogs(lines: readonly LogChunk[]): void {
    if (!lines.length) return;
    this.logs.push(...lines);
    this.pendingLogs += lines.length;
    const over = this.logs.length - this.limits.logLines;
    if (over > 0) {
      this.logs.splice(0, over);
      this.pendingLogs = Math.min(this.pendingLogs, this.logs.length);
      this.truncated = true;
    }
  }

  /** Everything, for a webview that just said `ready`; clears what was pending. */
  snapshot(notice?: PanelNotice): Extract<HostToWebview, { type: 'snapshot' }> {
    const streams: StreamSlice[] = [...this.streams.values()].map((s) => ({ key: s.key, from: s.base, items: [...s.items], ended: s.ended }));
    this.clearPending();
    return {
      type: 'snapshot',
      runId: this.runId,
      run: this.run,
      streams,
      logs: [...this.logs],
      ...(this.truncated ? { truncated: true } : {}),
      ...(notice ? { notice } : {}),
      ...(this.children.total ? { children: this.children } : {}),
      ...(this.timeline ? { timeline: this.timeline } : {}),
    };
  }

  /** What changed since the last snapshot/delta, or undefined when nothing did. */
  takeDelta(): Extract<HostToWebview, { type: 'delta' }> | undefined {
    if (!this.hasPending()) return undefined;
    const delta: Extract<HostToWebview, { type: 'delta' }> = { type: 'delta' };
    if (this.runDirty && this.run) delta.run = this.run;
    if (this.childrenDirty) delta.children = this.children;
    if (this.timelineDirty && this.timeline) delta.timeline = this.timeline;
    const slices: StreamSlice[] = [];
    for (const s of this.streams.values()) {
      if (s.pendingFrom === undefined && !s.endPending) continue;
      const from = s.pendingFrom ?? s.base + s.items.length;
      const slice: StreamSlice = { key: s.key, from, items: s.items.slice(from - s.base) };
      if (s.endPending) slice.ended = true;
      slices.push(slice);
    }
    if (slices.length) delta.streams = slices;
    if (this.pendingLogs > 0) delta.logs = this.logs.slice(this.logs.length - this.pendingLogs);
    this.clearPending();
    return delta;
  }

  private clearPending(): void {
    this.runDirty = false;
    this.childrenDirty = false;
    this.timelineDirty = false;
    this.pendingLogs = 0;
    for (const s of this.streams.values()) {
      s.pendingFrom = undefined;
      s.endPending = false;
    }
  }
}
