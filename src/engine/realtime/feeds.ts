import { isTerminal, type RunStatus } from '../../protocol/run';
import { SSE_EVENTS } from '../../protocol/sse';
import type { StoredChunk } from '../../protocol/chunk';
import type { RunEvent, RunFilter, RunStore } from '../store/types';
import type { Hub } from './hub';
import { frame, type SseWriter } from './sse-writer';

const PAGE = 1000;

/** Frames are built once per event and shared by every subscriber. */
const frames = new WeakMap<RunEvent, string>();
export function runFrame(e: RunEvent): string {
  let f = frames.get(e);
  if (f === undefined) frames.set(e, (f = frame(e.seq, SSE_EVENTS.run, e.data)));
  return f;
}

/** Stream frames likewise: the same StoredChunk objects reach every subscriber of a stream. */
const chunkFrames = new WeakMap<StoredChunk, string>();
function chunkFrame(c: StoredChunk): string {
  let f = chunkFrames.get(c);
  if (f === undefined) chunkFrames.set(c, (f = frame(c.idx, undefined, c.body)));
  return f;
}

export function matches(filter: RunFilter, e: RunEvent): boolean {
  if (filter.runIds && !filter.runIds.includes(e.runId)) return false;
  if (filter.batchId !== undefined && e.batchId !== filter.batchId) return false;
  if (filter.tags && !filter.tags.every((t) => e.tags.includes(t))) return false;
  return true;
}

export interface RunFeedOptions {
  filter: RunFilter;
  /** Resume after this seq; without it the feed starts with the current state of every matching run. */
  lastEventId?: number;
  snapshotLimit: number;
  /** Extra filter on the run (status, task, createdAt) applied to each event's data. */
  accept?: (status: RunStatus, taskIdentifier: string, createdAt: string) => boolean;
}

/**
 * A run feed: live events are buffered while the backlog (snapshot or replay after Last-Event-ID) is read
 * from the store, then the buffer is drained past the last seq sent — no gap, no duplicate.
 */
export async function serveRunFeed(store: RunStore, hub: Hub, sse: SseWriter, o: RunFeedOptions): Promise<void> {
  let live = false;
  let maxSent = o.lastEventId ?? 0;
  const buffered: RunEvent[] = [];
  const needsParse = o.accept !== undefined;
  const send = (e: RunEvent): void => {
    if (e.seq <= maxSent || !matches(o.filter, e)) return;
    if (needsParse) {
      const r = JSON.parse(e.data) as { status: RunStatus; taskIdentifier: string; createdAt: string };
      if (!o.accept!(r.status, r.taskIdentifier, r.createdAt)) {
        maxSent = e.seq;
        return;
      }
    }
    maxSent = e.seq;
    sse.write(runFrame(e));
  };
  const runId = o.filter.runIds?.length === 1 ? o.filter.runIds[0] : undefined;
  const off = hub.onRun(runId, (e) => (live ? send(e) : buffered.push(e)));
  sse.onClose(off);
  try {
    if (o.lastEventId !== undefined) {
      for (;;) {
        const page = await store.eventsAfter(maxSent, o.filter, PAGE);
        for (const e of page) send(e);
        await sse.drain();
        if (page.length < PAGE || sse.isClosed) break;
      }
    } else {
      const records = await store.snapshot(o.filter, o.snapshotLimit);
      for (const r of records) {
        if (o.accept && !o.accept(r.run.status, r.run.taskIdentifier, r.run.createdAt)) continue;
        sse.write(frame(r.lastSeq, SSE_EVENTS.run, JSON.stringify(r.run)));
        if (r.lastSeq > maxSent) maxSent = r.lastSeq;
      }
    }
    for (const e of buffered) send(e);
    buffered.length = 0;
    live = true;
  } catch (e) {
    off();
    throw e;
  }
}

export interface StreamFeedOptions {
  runId: string;
  key: string;
  /** Resume after this chunk idx (-1 = from the start). */
  afterIdx: number;
  /** With several engine nodes, chunks written on other nodes are read from the store this often while live. */
  pollMs?: number;
}

/**
 * A stream feed: every chunk of (run, key) from `afterIdx + 1`, in order, then live; `event: end` once the
 * run is terminal — chunks are committed before the run's final status, so by then every chunk was sent.
 */
export async function serveStreamFeed(store: RunStore, hub: Hub, sse: SseWriter, o: StreamFeedOptions): Promise<void> {
  let live = false;
  let maxSent = o.afterIdx;
  let ended = false;
  const buffered: (readonly StoredChunk[] | 'end')[] = [];
  const sendChunks = (chunks: readonly StoredChunk[]): void => {
    let out = '';
    for (const c of chunks) {
      if (c.idx <= maxSent) continue;
      // Reads from the store and live chunks may interleave when polling: never skip ahead of a gap.
      if (o.pollMs && c.idx !== maxSent + 1) break;
      maxSent = c.idx;
      out += chunkFrame(c);
    }
    if (out) sse.write(out);
  };
  const readRest = async (): Promise<void> => {
    for (;;) {
      const page = await store.chunksAfter(o.runId, o.key, maxSent, PAGE);
      sendChunks(page);
      await sse.drain();
      if (page.length < PAGE || sse.isClosed) return;
    }
  };
  /** The run is terminal: its chunks were all committed before, so read what is left, then end. */
  const end = (): void => {
    if (ended) return;
    ended = true;
    void readRest()
      .catch(() => undefined)
      .then(() => {
        sse.write(frame(maxSent, SSE_EVENTS.end, JSON.stringify({ lastIdx: maxSent })));
        sse.end();
      });
  };
  let polling: NodeJS.Timeout | undefined;
  let reading = false;
  if (o.pollMs) {
    polling = setInterval(() => {
      if (!live || reading || ended) return;
      reading = true;
      void readRest()
        .catch(() => undefined)
        .finally(() => (reading = false));
    }, o.pollMs);
  }
  const offChunks = hub.onChunks(o.runId, o.key, (c) => (live ? sendChunks(c) : buffered.push(c)));
  const offRun = hub.onRun(o.runId, (e) => {
    const status = (JSON.parse(e.data) as { status: RunStatus }).status;
    if (!isTerminal(status)) return;
    if (live) end();
    else buffered.push('end');
  });
  sse.onClose(() => {
    offChunks();
    offRun();
    clearInterval(polling);
  });
  const record = await store.getRun(o.runId);
  await readRest();
  for (const b of buffered) {
    if (b === 'end') return end();
    sendChunks(b);
  }
  buffered.length = 0;
  live = true;
  // Read before the chunks: when the run had already finished, every chunk was in the backlog.
  if (record && isTerminal(record.run.status)) end();
}
