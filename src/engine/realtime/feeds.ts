import { type RunStatus } from '../../protocol/run';
import { isTerminal } from '../../shared/status';
import { SSE_EVENTS } from '../../protocol/sse';
import type { StoredChunk } from '../../protocol/chunk';
import type { RunEvent, RunFilter, RunStore } from '../store/types';
import type { Hub } from './hub';
import { frame, type SseWriter } from './sse-writer';

const PAGE = 1000;
/**
 * Chunks per catch-up read: small, because each subscriber that is behind holds its page until the socket
 * takes it — a thousand slow readers of 1 KB chunks then hold at most ~128 MB together.
 */
const STREAM_PAGE = 128;

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

/** A live batch of chunks as one Buffer, shared by every subscriber that is up to date. */
const batchBuffers = new WeakMap<readonly StoredChunk[], Buffer>();
function batchBuffer(chunks: readonly StoredChunk[]): Buffer {
  let b = batchBuffers.get(chunks);
  if (b === undefined) batchBuffers.set(chunks, (b = Buffer.from(chunks.map(chunkFrame).join(''))));
  return b;
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
  const send = (e: RunEvent, paced = false): void => {
    if (e.seq <= maxSent || !matches(o.filter, e)) return;
    if (needsParse) {
      const r = JSON.parse(e.data) as { status: RunStatus; taskIdentifier: string; createdAt: string };
      if (!o.accept!(r.status, r.taskIdentifier, r.createdAt)) {
        maxSent = e.seq;
        return;
      }
    }
    maxSent = e.seq;
    sse.write(runFrame(e), paced);
  };
  const runId = o.filter.runIds?.length === 1 ? o.filter.runIds[0] : undefined;
  const off = hub.onRun(runId, (e) => (live ? send(e) : buffered.push(e)));
  sse.onClose(off);
  try {
    if (o.lastEventId !== undefined) {
      for (;;) {
        const page = await store.eventsAfter(maxSent, o.filter, PAGE);
        for (const e of page) send(e, true);
        await sse.drain();
        if (page.length < PAGE || sse.isClosed) break;
      }
    } else {
      const records = await store.snapshot(o.filter, o.snapshotLimit);
      let n = 0;
      for (const r of records) {
        if (o.accept && !o.accept(r.run.status, r.run.taskIdentifier, r.run.createdAt)) continue;
        sse.write(frame(r.lastSeq, SSE_EVENTS.run, JSON.stringify(r.run)), true);
        if (r.lastSeq > maxSent) maxSent = r.lastSeq;
        if (++n % PAGE === 0) await sse.drain();
      }
      await sse.drain();
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
  /** A reader that takes nothing for this long is closed (default 10 s). */
  stallMs?: number;
}

/**
 * A stream feed: every chunk of (run, key) from `afterIdx + 1`, in order, then live; `event: end` once the
 * run is terminal — chunks are committed before the run's final status, so by then every chunk was sent.
 */
export async function serveStreamFeed(store: RunStore, hub: Hub, sse: SseWriter, o: StreamFeedOptions): Promise<void> {
  let maxSent = o.afterIdx;
  /** Reading from the store instead of taking live chunks: at the start, after a gap, or while the reader is behind. */
  let catchingUp = false;
  /** Live chunks arrived while catching up: read once more before going live. */
  let missed = false;
  let endWanted = false;
  let ended = false;
  const stallMs = o.stallMs ?? 10_000;

  /** Sends chunks that continue exactly after the last one sent; false on a gap (they will be read from the store). */
  const sendContiguous = (chunks: readonly StoredChunk[], paced = false): boolean => {
    const first = chunks[0];
    if (!paced && first && first.idx === maxSent + 1 && chunks[chunks.length - 1]!.idx === maxSent + chunks.length) {
      maxSent += chunks.length;
      sse.write(batchBuffer(chunks));
      return true;
    }
    let out = '';
    let ok = true;
    for (const c of chunks) {
      if (c.idx <= maxSent) continue;
      if (c.idx !== maxSent + 1) {
        ok = false;
        break;
      }
      maxSent = c.idx;
      out += chunkFrame(c);
    }
    if (out) sse.write(out, paced);
    return ok;
  };

  const finish = (): void => {
    if (ended || sse.isClosed) return;
    ended = true;
    sse.write(frame(maxSent, SSE_EVENTS.end, JSON.stringify({ lastIdx: maxSent })));
    sse.end();
  };

  /**
   * Reads what the reader has not had from the store, page by page at the reader's pace, until caught up;
   * memory per subscriber stays at one page however far behind it is. A reader that takes nothing for
   * `stallMs` is closed (it resumes with Last-Event-ID).
   */
  const catchUp = (): void => {
    if (catchingUp) {
      missed = true;
      return;
    }
    catchingUp = true;
    void (async () => {
      try {
        for (;;) {
          missed = false;
          if (!(await sse.drain(stallMs))) return;
          const page = await store.chunksAfter(o.runId, o.key, maxSent, STREAM_PAGE);
          sendContiguous(page, true);
          if (page.length === STREAM_PAGE || missed || sse.backpressured) continue;
          catchingUp = false;
          if (endWanted) finish();
          return;
        }
      } catch {
        sse.close();
      } finally {
        if (sse.isClosed) catchingUp = false;
      }
    })();
  };

  const onLive = (chunks: readonly StoredChunk[]): void => {
    if (catchingUp) {
      missed = true;
      return;
    }
    if (sse.backpressured || !sendContiguous(chunks)) catchUp();
  };

  /** The run is terminal: its chunks were all committed before, so read what is left, then end. */
  const wantEnd = (): void => {
    endWanted = true;
    catchUp();
  };

  let polling: NodeJS.Timeout | undefined;
  if (o.pollMs) polling = setInterval(() => catchingUp || catchUp(), o.pollMs);
  const offChunks = hub.onChunks(o.runId, o.key, onLive);
  const offRun = hub.onRun(o.runId, (e) => {
    if (isTerminal((JSON.parse(e.data) as { status: RunStatus }).status)) wantEnd();
  });
  sse.onClose(() => {
    offChunks();
    offRun();
    clearInterval(polling);
  });
  // Read before the chunks: when the run had already finished, every chunk is in the backlog.
  const record = await store.getRun(o.runId);
  if (record && isTerminal(record.run.status)) wantEnd();
  else catchUp();
}
