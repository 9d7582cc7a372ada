import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Run } from '../../protocol/run';
import type { RunEvent, RunFilter, RunStore } from '../store/types';
import type { Hub } from './hub';
import { matches } from './feeds';
import { columnsFor, encodeRow, rowKey, schemaHeader, type ElectricValue } from './electric-row';
import { sendJson } from '../http/server';

/**
 * Run feeds in the Electric shape protocol, as Trigger.dev's official client (`@electric-sql/client`
 * 1.0.x through `zodShapeStream`) reads them: `offset=-1` answers a snapshot; `handle` + `offset` +
 * `live=true` long-polls until a matching change or the hold time. Our change log seq is the offset
 * (`<seq>_0`), so a poll resumes exactly where the previous one ended, on any engine that shares the store.
 *
 * Unlike Electric, each response carries at most one change per run (the next one after the offset), so a
 * subscriber sees every state a run went through, not only the latest one.
 */

export interface ElectricShape {
  /** Identity of the shape (path + filters); a handle is valid only for the shape it was issued for. */
  key: string;
  filter: RunFilter;
  /** Extra per-run filter (status, task, …) applied to each state. */
  accept?: (run: Run) => boolean;
  /** Only runs created within this many ms of the first request (pinned to the handle). */
  createdWithinMs?: number;
  skipColumns: readonly string[];
}

export interface ElectricOptions {
  /** How long a live poll is held without changes (±15% jitter). */
  livePollMs: number;
  /** Live polls held at once; more are answered 429 (the client backs off and retries). */
  maxLivePolls: number;
  snapshotLimit: number;
}

export function electricOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ElectricOptions {
  const num = (v: string | undefined, d: number) => (v !== undefined && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return {
    livePollMs: num(env.RUNLIGHT_ELECTRIC_LIVE_POLL_MS, 20_000),
    maxLivePolls: num(env.RUNLIGHT_ELECTRIC_MAX_LIVE_POLLS, 10_000),
    snapshotLimit: num(env.RUNLIGHT_ELECTRIC_SNAPSHOT_LIMIT, 10_000),
  };
}

const PAGE = 1000;
const MAX_HANDLES = 10_000;

interface HandleState {
  key: string;
  /** ISO time: runs created before it are outside the shape (pinned at the snapshot). */
  createdAfter?: string;
}

/** Sent when the request does not fit the protocol state (unknown handle, offset from another store). */
const MUST_REFETCH = [{ headers: { control: 'must-refetch' } }];
const UP_TO_DATE = { headers: { control: 'up-to-date' } };

interface ChangeMessage {
  key: string;
  value: ElectricValue;
  headers: { operation: 'insert' | 'update' };
}

export class ElectricFeeds {
  /** handle → shape state; insertion order = least recently used first. */
  private readonly handles = new Map<string, HandleState>();
  private livePolls = 0;
  private cursor = 0;

  constructor(
    private readonly store: RunStore,
    private readonly hub: Hub,
    readonly options: ElectricOptions,
  ) {}

  get activeLivePolls(): number {
    return this.livePolls;
  }

  async serve(req: IncomingMessage, res: ServerResponse, url: URL, shape: ElectricShape): Promise<void> {
    const q = url.searchParams;
    const offset = q.get('offset') ?? '-1';
    const handle = q.get('handle');
    const modern = req.headers['x-trigger-electric-version'] !== undefined;
    const apiVersion = String(req.headers['x-trigger-api-version'] ?? '');
    const legacyApi = apiVersion === '' || apiVersion < '2025-07-16';
    const columns = columnsFor(shape.skipColumns);
    const send = (status: number, body: unknown, h: { handle: string; offset: string; upToDate: boolean }): void => {
      if (res.writableEnded || res.destroyed) return;
      const headers: Record<string, string> = {
        'electric-handle': h.handle,
        'electric-offset': h.offset,
        'electric-schema': schemaHeader(columns),
        'electric-cursor': String(++this.cursor),
      };
      if (h.upToDate) headers['electric-up-to-date'] = '';
      if (!modern) {
        // Clients before x-trigger-electric-version read the older header names.
        headers['electric-shape-id'] = h.handle;
        headers['electric-chunk-last-offset'] = h.offset;
      }
      sendJson(res, status, body, headers);
    };
    const encode = (run: Run, operation: 'insert' | 'update'): ChangeMessage => ({
      key: rowKey(run.id),
      value: encodeRow(run, columns, legacyApi),
      headers: { operation },
    });

    if (offset === '-1' || !handle) {
      const createdAfter = shape.createdWithinMs !== undefined ? new Date(Date.now() - shape.createdWithinMs).toISOString() : undefined;
      const state: HandleState = { key: shape.key, createdAfter };
      const accept = this.acceptor(shape, state);
      // The head is read before the snapshot: a change committed in between is re-sent by the next poll
      // (a full row again, which the client merges idempotently) rather than lost.
      const head = await this.store.headSeq();
      const records = await this.store.snapshot(createdAfter ? { ...shape.filter, createdAfter } : shape.filter, this.options.snapshotLimit);
      const messages: (ChangeMessage | typeof UP_TO_DATE)[] = [];
      for (const r of records) if (accept(r.run)) messages.push(encode(r.run, 'insert'));
      messages.push(UP_TO_DATE);
      const newHandle = this.register(state);
      send(200, messages, { handle: newHandle, offset: `${head}_0`, upToDate: true });
      return;
    }

    const state = this.handles.get(handle);
    const after = parseOffset(offset);
    if (!state || state.key !== shape.key || after === undefined || after > (await this.store.headSeq())) {
      // Unknown handle (engine restarted, evicted, other shape) or an offset this store never issued.
      send(409, MUST_REFETCH, { handle: newHandleId(), offset: '-1', upToDate: false });
      return;
    }
    this.touch(handle, state);
    const accept = this.acceptor(shape, state);
    const live = q.get('live') === 'true';
    if (live && this.livePolls >= this.options.maxLivePolls) {
      if (!res.headersSent) sendJson(res, 429, { error: 'Too many concurrent requests' }, { 'retry-after': '1' });
      return;
    }

    const result = await this.nextChanges(shape.filter, after, accept, live, res);
    if (result === 'closed') return;
    const messages: (ChangeMessage | typeof UP_TO_DATE)[] = result.runs.map((r) => encode(r, 'update'));
    messages.push(UP_TO_DATE);
    send(200, messages, { handle, offset: `${result.last}_0`, upToDate: true });
  }

  private acceptor(shape: ElectricShape, state: HandleState): (run: Run) => boolean {
    const created = state.createdAfter;
    const extra = shape.accept;
    return (run) => (created === undefined || run.createdAt >= created) && (extra === undefined || extra(run));
  }

  /**
   * The next states after `after`: at most one per run, in seq order, stopping before a second change of
   * a run already taken. When there are none and `live`, waits for the hub (or the hold time).
   */
  private async nextChanges(
    filter: RunFilter,
    after: number,
    accept: (run: Run) => boolean,
    live: boolean,
    res: ServerResponse,
  ): Promise<{ runs: Run[]; last: number } | 'closed'> {
    const runIdOnly = filter.runIds?.length === 1 ? filter.runIds[0] : undefined;
    const pending: RunEvent[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const off = live
      ? this.hub.onRun(runIdOnly, (e) => {
          if (!matches(filter, e)) return;
          pending.push(e);
          wake?.();
        })
      : () => undefined;
    const onClose = (): void => {
      closed = true;
      wake?.();
    };
    res.on('close', onClose);
    if (live) this.livePolls++;
    try {
      let last = after;
      const taken = new Map<string, Run>();
      let full = false;
      /** Takes events in order; returns false once a run repeats (the rest waits for the next poll). */
      const take = (events: readonly RunEvent[]): void => {
        for (const e of events) {
          if (full) return;
          if (e.seq <= last) continue;
          if (taken.has(e.runId)) {
            full = true;
            return;
          }
          const run = JSON.parse(e.data) as Run;
          if (accept(run)) taken.set(e.runId, run);
          last = e.seq;
        }
      };
      for (;;) {
        const page = await this.store.eventsAfter(last, filter, PAGE);
        take(page);
        if (full || page.length < PAGE || closed) break;
      }
      if (taken.size > 0 || !live) return { runs: [...taken.values()], last };
      const hold = this.options.livePollMs * (0.85 + Math.random() * 0.3);
      const deadline = Date.now() + hold;
      while (!closed && taken.size === 0) {
        if (pending.length === 0) {
          const remaining = deadline - Date.now();
          if (remaining <= 0) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, remaining);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          continue;
        }
        const batch = pending.splice(0);
        take(batch);
      }
      if (closed) return 'closed';
      return { runs: [...taken.values()], last };
    } finally {
      off();
      res.off('close', onClose);
      if (live) this.livePolls--;
    }
  }

  private register(state: HandleState): string {
    const id = newHandleId();
    this.handles.set(id, state);
    if (this.handles.size > MAX_HANDLES) {
      const oldest = this.handles.keys().next().value;
      if (oldest !== undefined) this.handles.delete(oldest);
    }
    return id;
  }

  private touch(handle: string, state: HandleState): void {
    this.handles.delete(handle);
    this.handles.set(handle, state);
  }
}

function newHandleId(): string {
  return `rl-${randomBytes(9).toString('base64url')}`;
}

/** `<seq>_<n>` (or a bare seq) → seq; undefined when malformed. */
function parseOffset(offset: string): number | undefined {
  const m = /^(\d+)(?:_\d+)?$/.exec(offset);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}
