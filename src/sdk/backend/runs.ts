import type { ListRunsParams } from '../../client/api';
import { apiClient } from './config';
import { RunSubscription, type RunSubscriptionOptions } from './subscription';
import { toRealtimeRun, type RealtimeRun, type RetrieveRunResult } from './types';
import { cursorPage, type CursorPage } from './page';
import { readStream } from './streams';
import { isTerminal } from '../../shared/status';
import { sleep } from '../../shared/sleep';
import { unsupported } from './unsupported';

/** `runs.*` of Trigger.dev's SDK, against the local engine. Run objects carry Date timestamps. */

/** A run id or anything with one (a trigger handle). */
export type RunRef = string | { id: string };
const idOf = (r: RunRef) => (typeof r === 'string' ? r : r.id);

/** The client's filters, with Trigger.dev's name for the page size. */
export interface ListRunsOptions extends Omit<ListRunsParams, 'pageSize'> {
  /** Page size (default: the engine's, 50). */
  limit?: number;
}

/** One page of runs; `for await` over it walks every following page too. */
export type RunsPage = CursorPage<RealtimeRun>;

export interface SubscribeToRunOptions extends RunSubscriptionOptions {
  /** End the subscription once the run is finished (default true). */
  stopOnCompletion?: boolean;
  signal?: AbortSignal;
}

export interface SubscribeToRunsOptions extends RunSubscriptionOptions {
  signal?: AbortSignal;
}

async function retrieve<TTask = unknown>(runId: RunRef): Promise<RetrieveRunResult<TTask>> {
  return toRealtimeRun<TTask>(await apiClient().retrieveRun(idOf(runId)));
}

async function list(options: ListRunsOptions = {}): Promise<RunsPage> {
  const client = apiClient();
  return cursorPage(
    'runs.list',
    (after) => {
      const params: ListRunsParams = {
        status: options.status,
        taskIdentifier: options.taskIdentifier,
        tag: options.tag,
        batch: options.batch,
        schedule: options.schedule,
        pageSize: options.limit,
        after,
      };
      return client.listRuns(params);
    },
    (r) => toRealtimeRun(r),
    options.after,
  );
}

async function cancel(runId: RunRef): Promise<{ id: string }> {
  return apiClient().cancelRun(idOf(runId));
}

async function replay(runId: RunRef): Promise<{ id: string }> {
  return apiClient().replayRun(idOf(runId));
}

/** Follows one run; ends after it finishes unless `stopOnCompletion: false`. */
function subscribeToRun<TTask = unknown>(runId: RunRef, options: SubscribeToRunOptions = {}): RunSubscription<TTask> {
  const client = apiClient();
  const id = idOf(runId);
  const stopOnCompletion = options.stopOnCompletion ?? true;
  return linked(new RunSubscription<TTask>(client, (signal) => client.subscribeToRun(id, { signal, stopOnCompletion }), options), options.signal);
}

/** Follows every run having all the tags (AND). Never ends by itself. */
function subscribeToRunsWithTag<TTask = unknown>(tag: string | string[], options: SubscribeToRunsOptions = {}): RunSubscription<TTask> {
  const client = apiClient();
  return linked(new RunSubscription<TTask>(client, (signal) => client.subscribeToRunsWithTag(tag, { signal }), options), options.signal);
}

/** Follows every run of a batch. Never ends by itself. */
function subscribeToBatch<TTask = unknown>(batchId: string, options: SubscribeToRunsOptions = {}): RunSubscription<TTask> {
  const client = apiClient();
  return linked(new RunSubscription<TTask>(client, (signal) => client.subscribeToBatch(batchId, { signal }), options), options.signal);
}

/**
 * Retrieves the run every `pollIntervalMs` (default 1 s) until it finished, and gives it. Unlike upstream's (which
 * waits for `isCompleted`), a CANCELED run ends the poll too; after 500 polls it throws, as upstream.
 */
async function poll(runId: RunRef, options: { pollIntervalMs?: number } = {}): Promise<RetrieveRunResult> {
  for (let i = 0; i < 500; i++) {
    const run = await retrieve(runId);
    if (isTerminal(run.status)) return run;
    await sleep(options.pollIntervalMs ?? 1000);
  }
  throw new Error(`Run ${idOf(runId)} did not complete after 500 attempts`);
}

/** The chunks of a run's stream `streamKey`, until the stream ends (Trigger.dev's `runs.fetchStream`). */
async function fetchStream<T = unknown>(runId: RunRef, streamKey: string): Promise<AsyncIterableIterator<T>> {
  return readStream<T>(idOf(runId), streamKey);
}

function linked<T>(sub: RunSubscription<T>, signal: AbortSignal | undefined): RunSubscription<T> {
  if (signal?.aborted) sub.unsubscribe();
  else signal?.addEventListener('abort', () => sub.unsubscribe(), { once: true });
  return sub;
}

export const runs = {
  retrieve,
  list,
  cancel,
  replay,
  subscribeToRun,
  subscribeToRunsWithTag,
  subscribeToBatch,
  /** Trigger.dev's internal name for subscribeToBatch. */
  subscribeToRunsInBatch: subscribeToBatch,
  poll,
  fetchStream,
  reschedule: unsupported('runs.reschedule()'),
  bulk: unsupported('runs.bulk()'),
};
