import type { Run } from '../protocol/run';
import type { LogChunk } from '../protocol/sse';
import type { RunTimeline } from '../protocol/timeline';
import type { ChildRuns, HostToWebview, PanelNotice, StreamItem, StreamSlice } from '../protocol/webview';

/**
 * The webview's copy of a run panel, updated by the host's messages. Pure: `reduce` returns a new state
 * (stream item arrays are appended by copy, so an old state is never changed). `epoch` changes on every
 * snapshot: the view then renders from scratch instead of appending.
 */

export interface StreamState {
  key: string;
  /** idx of items[0] within the stream (> 0 when the host dropped old items). */
  base: number;
  items: readonly StreamItem[];
  ended: boolean;
}

export interface PanelState {
  runId: string | undefined;
  run: Run | null;
  /** In order of first appearance. */
  streams: readonly StreamState[];
  logs: readonly LogChunk[];
  notice: PanelNotice | undefined;
  truncated: boolean;
  /** The runs triggered from inside this one (a new object whenever the host sends the list again). */
  children: ChildRuns;
  /** The run's attempts and waits as the engine says (undefined until the host has loaded them). */
  timeline: RunTimeline | undefined;
  epoch: number;
}

const NO_CHILDREN: ChildRuns = { runs: [], total: 0 };

export const initialState: PanelState = {
  runId: undefined,
  run: null,
  streams: [],
  logs: [],
  notice: undefined,
  truncated: false,
  children: NO_CHILDREN,
  timeline: undefined,
  epoch: 0,
};

/** Appends a slice to a stream: overlapping items (already held) are skipped; a gap is accepted. */
export function applySlice(stream: StreamState | undefined, slice: StreamSlice): StreamState {
  const s: StreamState = stream ?? { key: slice.key, base: slice.from, items: [], ended: false };
  const next = s.base + s.items.length;
  const skip = Math.max(0, next - slice.from);
  const fresh = slice.items.slice(skip);
  return {
    key: s.key,
    base: s.items.length === 0 && !stream ? slice.from : s.base,
    items: fresh.length ? [...s.items, ...fresh] : s.items,
    ended: s.ended || !!slice.ended,
  };
}

function applySlices(streams: readonly StreamState[], slices: readonly StreamSlice[]): StreamState[] {
  const out = [...streams];
  for (const slice of slices) {
    const i = out.findIndex((s) => s.key === slice.key);
    if (i >= 0) out[i] = applySlice(out[i], slice);
    else out.push(applySlice(undefined, slice));
  }
  return out;
}

export function reduce(state: PanelState, msg: HostToWebview): PanelState {
  switch (msg.type) {
    case 'snapshot':
      return {
        runId: msg.runId,
        run: msg.run,
        streams: applySlices([], msg.streams),
        logs: msg.logs,
        notice: msg.notice,
        truncated: !!msg.truncated,
        children: msg.children ?? NO_CHILDREN,
        timeline: msg.timeline,
        epoch: state.epoch + 1,
      };
    case 'delta':
      return {
        ...state,
        run: msg.run ?? state.run,
        streams: msg.streams?.length ? applySlices(state.streams, msg.streams) : state.streams,
        logs: msg.logs?.length ? [...state.logs, ...msg.logs] : state.logs,
        children: msg.children ?? state.children,
        timeline: msg.timeline ?? state.timeline,
      };
    case 'notice':
      return { ...state, notice: msg.notice };
  }
}
