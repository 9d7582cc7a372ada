import type { ServerResponse } from 'node:http';
import { type RunStatus } from '../../protocol/run';
import { isTerminal } from '../../shared/status';
import type { StoredChunk } from '../../protocol/chunk';
import type { RunStore } from '../store/types';
import type { Hub } from './hub';
import { SseWriter, frame } from './sse-writer';

/**
 * A stream feed framed for Trigger.dev's official reader (`SSEStreamSubscription`): `X-Stream-Version: v2`
 * and S2-style events, `event: batch` / `data: {"records":[{seq_num, timestamp, body, headers}]}` where
 * `body` is the JSON text `{"data": <chunk>, "id": "<idx>"}`. `seq_num` is our chunk idx, so the client's
 * `Last-Event-ID` (the last seq_num it saw) resumes right after it. The response ends cleanly once the run
 * is finished and every chunk was sent (their client treats a clean end as complete), or after
 * `Timeout-Seconds` without a chunk.
 */

export interface TriggerStreamOptions {
  runId: string;
  key: string;
  /** Resume after this idx (-1 = from the start). */
  afterIdx: number;
  /** `X-Trigger-Stream-Start: latest`: only chunks written after connecting. */
  fromLatest: boolean;
  /** Close after this many seconds without a chunk (the client's `Timeout-Seconds`). */
  timeoutSeconds?: number;
  keepAliveMs: number;
  maxBufferedBytes: number;
}

const PAGE = 1000;

function record(c: StoredChunk, now: number): string {
  // c.body is JSON text already: spliced, not re-parsed.
  const body = `{"data":${c.body},"id":"${c.idx}"}`;
  return `{"seq_num":${c.idx},"timestamp":${now},"body":${JSON.stringify(body)},"headers":[]}`;
}

export async function serveTriggerStream(store: RunStore, hub: Hub, res: ServerResponse, o: TriggerStreamOptions): Promise<void> {
  const sse = new SseWriter(res, { maxBufferedBytes: o.maxBufferedBytes, keepAliveMs: o.keepAliveMs }, { 'x-stream-version': 'v2' });
  let live = false;
  let maxSent = o.afterIdx;
  let ended = false;
  let idle: NodeJS.Timeout | undefined;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(idle);
    sse.end();
  };
  const armIdle = (): void => {
    if (o.timeoutSeconds === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(end, o.timeoutSeconds * 1000);
    idle.unref();
  };
  const buffered: (readonly StoredChunk[] | 'end')[] = [];
  const send = (chunks: readonly StoredChunk[]): void => {
    const now = Date.now();
    const records: string[] = [];
    for (const c of chunks) {
      if (c.idx <= maxSent) continue;
      maxSent = c.idx;
      records.push(record(c, now));
    }
    if (records.length === 0) return;
    sse.write(frame(maxSent, 'batch', `{"records":[${records.join(',')}]}`));
    armIdle();
  };
  const offChunks = hub.onChunks(o.runId, o.key, (c) => (live ? send(c) : buffered.push(c)));
  const offRun = hub.onRun(o.runId, (e) => {
    const status = (JSON.parse(e.data) as { status: RunStatus }).status;
    if (!isTerminal(status)) return;
    if (live) end();
    else buffered.push('end');
  });
  sse.onClose(() => {
    clearTimeout(idle);
    offChunks();
    offRun();
  });
  armIdle();
  const record0 = await store.getRun(o.runId);
  if (o.fromLatest && o.afterIdx < 0) maxSent = (await store.chunkCount(o.runId, o.key)) - 1;
  for (;;) {
    const page = await store.chunksAfter(o.runId, o.key, maxSent, PAGE);
    send(page);
    if (page.length < PAGE || sse.isClosed) break;
  }
  for (const b of buffered) {
    if (b === 'end') return end();
    send(b);
  }
  buffered.length = 0;
  live = true;
  // Read before the chunks: when the run had already finished, every chunk was in the backlog.
  if (record0 && isTerminal(record0.run.status)) end();
}
