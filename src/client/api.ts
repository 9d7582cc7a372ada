import * as z from 'zod/mini';
import {
  BatchTriggerResponse,
  DebugResponse,
  ListRunsResponse,
  ListTasksResponse,
  type BatchItem,
  type BatchTriggerRequest,
  type DebugRequest,
  type MetadataUpdateRequest,
  type TriggerOptions,
} from '../protocol/api';
import { encodeChunk } from '../protocol/chunk';
import {
  CompleteWaitTokenResponse,
  CreateWaitTokenResponse,
  ListWaitTokensResponse,
  RetrieveWaitTokenResponse,
  type CreateWaitTokenRequest,
  type WaitTokenStatus,
} from '../protocol/waitpoints';
import { JWT_HEADER, routes } from '../protocol/routes';
import {
  CreateScheduleRequest,
  DeletedScheduleResponse,
  ListSchedulesResponse,
  ScheduleObject,
  TimezonesResponse,
  UpdateScheduleRequest,
} from '../protocol/schedules';
import { Json, JsonObject, Run, type RunStatus, type ValueMeta } from '../protocol/run';
import { RunTimeline } from '../protocol/timeline';
import { isTerminal } from '../shared/status';
import { EngineApiError, EngineConnectionError } from './errors';
import { runFeed, streamFeed, type FeedOptions, type StreamChunk, type StreamFeedOptions } from './feeds';
import { fetchSend, nodeSend, type RestResponse, type RestSend } from './rest';
import type { SseRequest } from './sse';

export interface EngineClientOptions {
  /** e.g. `http://127.0.0.1:3030` */
  baseURL: string;
  /** The workspace secret key (`rl_dev_…`) or a Public Access Token (JWT). */
  accessToken: string;
  /** Used for feeds, and for REST requests instead of `node:http` when given. */
  fetch?: typeof fetch;
  /** Extra headers sent with every request and feed. */
  headers?: Record<string, string>;
  /** Time limit of one REST request, body included (default 30 000 ms). Feeds are not limited. */
  requestTimeoutMs?: number;
  /** Defaults for every SSE feed (backoff, timeouts, retry/open hooks for logging). */
  sse?: Pick<SseRequest, 'backoff' | 'idleTimeoutMs' | 'connectTimeoutMs' | 'onError' | 'onOpen'>;
}

export interface TriggerResult {
  id: string;
  /** The `x-trigger-jwt` header: a PAT scoped `read:runs:<id>` (absent if the engine sent none). */
  publicAccessToken?: string;
}

export type BatchTriggerItem = z.input<typeof BatchItem>;

export interface BatchTriggerResult extends BatchTriggerResponse {
  /** The `x-trigger-jwt` header: a PAT scoped `read:batch:<batchId>`. */
  publicAccessToken?: string;
}

export interface ListRunsParams {
  status?: RunStatus | RunStatus[];
  taskIdentifier?: string | string[];
  tag?: string | string[];
  batch?: string;
  /** Runs the schedule with this id triggered. */
  schedule?: string;
  /** The children of this run (runs it triggered from inside its task). */
  parentRunId?: string;
  /** page[size] */
  pageSize?: number;
  /** page[after]: the id of the last run of the previous page. */
  after?: string;
}

export interface ListWaitTokensParams {
  status?: WaitTokenStatus | WaitTokenStatus[];
  idempotencyKey?: string;
  tags?: string | string[];
  /** Created within this window, e.g. "1h". */
  period?: string;
  /** Created at or after this date (or epoch ms). */
  from?: Date | number;
  pageSize?: number;
  after?: string;
}

export interface RunFeedOptions extends FeedOptions {
  /** End after the first terminal state of the run (default true). */
  stopOnCompletion?: boolean;
}

const IdResponse = z.object({ id: z.string() });
const MetadataResponse = z.object({ metadata: z.optional(JsonObject) });
const TokenResponse = z.object({ token: z.string() });
const Anything = z.unknown();

/** Typed client for every engine route (src/protocol/routes.ts). Errors are EngineApiError / EngineConnectionError. */
export class EngineClient {
  readonly baseURL: string;
  readonly accessToken: string;
  private readonly fetchImpl: typeof fetch;
  private readonly send: RestSend;

  constructor(private readonly options: EngineClientOptions) {
    this.baseURL = options.baseURL.replace(/\/+$/, '');
    this.accessToken = options.accessToken;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.send = options.fetch ? fetchSend(options.fetch) : nodeSend;
  }

  /** A copy of this client that authenticates with another token. */
  withAccessToken(accessToken: string): EngineClient {
    return new EngineClient({ ...this.options, accessToken });
  }

  url(path: string): string {
    return this.baseURL + path;
  }

  /** `payloadMeta`: superjson's meta of a payload with Dates, Maps, BigInts… (`payload` is then its JSON part). */
  async trigger(taskId: string, payload?: Json, options?: z.input<typeof TriggerOptions>, payloadMeta?: ValueMeta): Promise<TriggerResult> {
    const body = { payload, ...(payloadMeta !== undefined ? { payloadMeta } : {}), ...(options !== undefined ? { options } : {}) };
    const { data, res } = await this.request('POST', routes.trigger(taskId), IdResponse, body);
    return withToken({ id: data.id }, res.header(JWT_HEADER));
  }

  /**
   * Runlight's own: triggers a run whose worker waits for a debugger on the inspector the answer names (127.0.0.1);
   * secret key only.
   */
  async debugTask(taskId: string, body: z.input<typeof DebugRequest> = {}): Promise<DebugResponse> {
    return (await this.request('POST', routes.debugTask(taskId), DebugResponse, body)).data;
  }

  async batchTrigger(items: BatchTriggerItem[]): Promise<BatchTriggerResult> {
    const body: z.input<typeof BatchTriggerRequest> = { items };
    const { data, res } = await this.request('POST', routes.batchTrigger(), BatchTriggerResponse, body);
    return withToken(data, res.header(JWT_HEADER));
  }

  async retrieveRun(runId: string): Promise<Run> {
    return (await this.request('GET', routes.retrieveRun(runId), Run)).data;
  }

  /** The run's attempts and waits on one time axis (Runlight's own route). */
  async runTimeline(runId: string): Promise<RunTimeline> {
    return (await this.request('GET', routes.runTimeline(runId), RunTimeline)).data;
  }

  async listRuns(params: ListRunsParams = {}): Promise<ListRunsResponse> {
    const q = new URLSearchParams();
    const list = (v: string | string[] | undefined) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).join(','));
    const put = (k: string, v: string | undefined) => {
      if (v !== undefined && v !== '') q.set(k, v);
    };
    put('filter[status]', list(params.status));
    put('filter[taskIdentifier]', list(params.taskIdentifier));
    put('filter[tag]', list(params.tag));
    put('filter[batch]', params.batch);
    put('filter[schedule]', params.schedule);
    put('filter[parentRunId]', params.parentRunId);
    put('page[size]', params.pageSize === undefined ? undefined : String(params.pageSize));
    put('page[after]', params.after);
    const qs = q.toString();
    return (await this.request('GET', routes.listRuns() + (qs ? `?${qs}` : ''), ListRunsResponse)).data;
  }

  /** Creates a wait token (or, with an idempotency key still valid, finds it: `isCached`). */
  async createWaitToken(body: CreateWaitTokenRequest = {}): Promise<CreateWaitTokenResponse & { publicAccessToken?: string }> {
    const { data, res } = await this.request('POST', routes.waitTokens(), CreateWaitTokenResponse, body);
    return withToken(data, res.header(JWT_HEADER));
  }

  /** Completes a wait token with `data`; a token already completed or timed out is refused (409 waitpoint_completed). */
  async completeWaitToken(id: string, data?: unknown): Promise<{ success: true }> {
    return (await this.request('POST', routes.completeWaitToken(id), CompleteWaitTokenResponse, data === undefined ? {} : { data })).data;
  }

  async retrieveWaitToken(id: string): Promise<RetrieveWaitTokenResponse> {
    return (await this.request('GET', routes.waitToken(id), RetrieveWaitTokenResponse)).data;
  }

  async listWaitTokens(params: ListWaitTokensParams = {}): Promise<ListWaitTokensResponse> {
    const q = new URLSearchParams();
    const list = (v: string | string[] | undefined) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).join(','));
    const put = (k: string, v: string | undefined) => {
      if (v !== undefined && v !== '') q.set(k, v);
    };
    put('filter[status]', list(params.status));
    put('filter[idempotencyKey]', params.idempotencyKey);
    put('filter[tags]', list(params.tags));
    put('filter[createdAt][period]', params.period);
    put('filter[createdAt][from]', params.from === undefined ? undefined : String(params.from instanceof Date ? params.from.getTime() : params.from));
    put('page[size]', params.pageSize === undefined ? undefined : String(params.pageSize));
    put('page[after]', params.after);
    const qs = q.toString();
    return (await this.request('GET', routes.waitTokens() + (qs ? `?${qs}` : ''), ListWaitTokensResponse)).data;
  }

  /** Creates a schedule; with the deduplicationKey of an existing one, updates that one. */
  async createSchedule(body: z.input<typeof CreateScheduleRequest>): Promise<ScheduleObject> {
    return (await this.request('POST', routes.schedules(), ScheduleObject, body)).data;
  }

  async retrieveSchedule(id: string): Promise<ScheduleObject> {
    return (await this.request('GET', routes.schedule(id), ScheduleObject)).data;
  }

  /** One page of schedules, newest first (pages are numbered from 1; `perPage` at most 100). */
  async listSchedules(params: { page?: number; perPage?: number } = {}): Promise<ListSchedulesResponse> {
    const q = new URLSearchParams();
    if (params.page !== undefined) q.set('page', String(params.page));
    if (params.perPage !== undefined) q.set('perPage', String(params.perPage));
    const qs = q.toString();
    return (await this.request('GET', routes.schedules() + (qs ? `?${qs}` : ''), ListSchedulesResponse)).data;
  }

  async updateSchedule(id: string, body: z.input<typeof UpdateScheduleRequest>): Promise<ScheduleObject> {
    return (await this.request('PUT', routes.schedule(id), ScheduleObject, body)).data;
  }

  async deleteSchedule(id: string): Promise<{ id: string }> {
    return (await this.request('DELETE', routes.schedule(id), DeletedScheduleResponse)).data;
  }

  async activateSchedule(id: string): Promise<ScheduleObject> {
    return (await this.request('POST', routes.activateSchedule(id), ScheduleObject, {})).data;
  }

  async deactivateSchedule(id: string): Promise<ScheduleObject> {
    return (await this.request('POST', routes.deactivateSchedule(id), ScheduleObject, {})).data;
  }

  /** Triggers the schedule's task now with a schedule payload ("Run Now"); the schedule's ticks are unchanged. */
  async runSchedule(id: string): Promise<{ id: string }> {
    return (await this.request('POST', routes.runSchedule(id), IdResponse, {})).data;
  }

  async timezones(options: { excludeUtc?: boolean } = {}): Promise<string[]> {
    return (await this.request('GET', routes.timezones() + (options.excludeUtc ? '?excludeUtc=true' : ''), TimezonesResponse)).data.timezones;
  }

  async cancelRun(runId: string): Promise<{ id: string }> {
    return (await this.request('POST', routes.cancelRun(runId), IdResponse, {})).data;
  }

  async replayRun(runId: string): Promise<{ id: string }> {
    return (await this.request('POST', routes.replayRun(runId), IdResponse, {})).data;
  }

  async addTags(runId: string, tags: string | string[]): Promise<void> {
    await this.request('POST', routes.addTags(runId), Anything, { tags });
  }

  async getMetadata(runId: string): Promise<Record<string, Json>> {
    return (await this.request('GET', routes.metadata(runId), MetadataResponse)).data.metadata ?? {};
  }

  async updateMetadata(runId: string, body: MetadataUpdateRequest): Promise<Record<string, Json>> {
    return (await this.request('PUT', routes.metadata(runId), MetadataResponse, body)).data.metadata ?? {};
  }

  async listTasks(): Promise<ListTasksResponse> {
    return (await this.request('GET', routes.listTasks(), ListTasksResponse)).data;
  }

  /** Asks the engine to mint a PAT (needs the secret key). `expirationTime`: "1h", or Unix seconds. */
  async createPublicToken(scopes: string[], expirationTime?: string | number): Promise<string> {
    const body = expirationTime === undefined ? { scopes } : { scopes, expirationTime };
    return (await this.request('POST', routes.createPublicToken(), TokenResponse, body)).data.token;
  }

  /** Appends one chunk to a run's stream from outside a worker. */
  async appendToStream(runId: string, key: string, value: unknown, target = 'self'): Promise<void> {
    await this.request('POST', routes.appendStream(runId, key, target), Anything, undefined, encodeChunk(value));
  }

  /** One run: its current state, then each change; ends after a terminal state unless stopOnCompletion is false. */
  subscribeToRun(runId: string, options: RunFeedOptions = {}): AsyncIterableIterator<Run> {
    const stop = options.stopOnCompletion ?? true;
    return runFeed(this.feedRequest(routes.subscribeRun(runId), options), options, stop ? runIsFinished : undefined);
  }

  /** Runs that have all of `tags` (AND). Never ends by itself. */
  subscribeToRunsWithTag(tags: string | string[], options: FeedOptions = {}): AsyncIterableIterator<Run> {
    const list = Array.isArray(tags) ? tags : [tags];
    return runFeed(this.feedRequest(routes.subscribeRuns(list), options), options);
  }

  /** Runs of a batch. Never ends by itself. */
  subscribeToBatch(batchId: string, options: FeedOptions = {}): AsyncIterableIterator<Run> {
    return runFeed(this.feedRequest(routes.subscribeBatch(batchId), options), options);
  }

  /** Every run of the workspace (secret key or `read:runs`). Never ends by itself. */
  subscribeToAllRuns(options: FeedOptions = {}): AsyncIterableIterator<Run> {
    return runFeed(this.feedRequest(routes.subscribeRuns(), options), options);
  }

  /** Chunks of one stream of a run from `fromIdx` (default 0); ends after the engine's `event: end`. */
  subscribeToStream(runId: string, key: string, options: StreamFeedOptions = {}): AsyncIterableIterator<StreamChunk> {
    const fromIdx = options.fromIdx ?? 0;
    const lastEventId = fromIdx > 0 ? String(fromIdx - 1) : undefined;
    return streamFeed(this.feedRequest(routes.subscribeStream(runId, key), { ...options, lastEventId }));
  }

  private feedRequest(path: string, options: { signal?: AbortSignal; lastEventId?: string }): SseRequest {
    return {
      ...this.options.sse,
      url: this.url(path),
      headers: { ...this.options.headers, Authorization: `Bearer ${this.accessToken}` },
      lastEventId: options.lastEventId,
      signal: options.signal,
      fetch: this.fetchImpl,
    };
  }

  private async request<T>(method: string, path: string, schema: z.ZodMiniType<T>, json?: unknown, rawBody?: string): Promise<{ data: T; res: RestResponse }> {
    const headers: Record<string, string> = { ...this.options.headers, Authorization: `Bearer ${this.accessToken}`, Accept: 'application/json' };
    let body: string | undefined;
    if (rawBody !== undefined) {
      body = rawBody;
      headers['Content-Type'] = 'application/json';
    } else if (json !== undefined) {
      body = JSON.stringify(json);
      headers['Content-Type'] = 'application/json';
    }
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    let res: RestResponse;
    try {
      res = await this.send({ method, url: this.url(path), headers, body, timeoutMs });
    } catch (error) {
      throw new EngineConnectionError(this.baseURL, error);
    }
    if (res.status < 200 || res.status > 299) throw EngineApiError.fromBody(res.status, res.text);
    let value: unknown = undefined;
    if (res.text.trim() !== '') {
      try {
        value = JSON.parse(res.text);
      } catch {
        throw new EngineApiError(res.status, 'bad_response', `${method} ${path}: the engine answered with invalid JSON`);
      }
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new EngineApiError(res.status, 'bad_response', `${method} ${path}: unexpected response shape`, issues);
    }
    return { data: parsed.data, res };
  }
}

/** Terminal by status or by finishedAt — never inferred from a dropped connection. */
export function runIsFinished(run: Run): boolean {
  return isTerminal(run.status) || run.finishedAt !== undefined;
}

function withToken<T extends object>(data: T, token: string | null): T & { publicAccessToken?: string } {
  return token ? { ...data, publicAccessToken: token } : data;
}
