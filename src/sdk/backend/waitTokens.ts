/**
 * Trigger.dev's wait tokens (`wait.createToken`, `completeToken`, `listTokens`, `retrieveToken`): usable from task
 * and backend code alike. Waiting on one (`wait.forToken`) is task-only: see src/sdk/task/wait.ts.
 */
import type { ListWaitTokensParams } from '../../client/api';
import type { WaitTokenItem, WaitTokenStatus } from '../../protocol/waitpoints';
import { apiClient } from './config';
import { cursorPage, type CursorPage } from './page';

export interface CreateTokenOptions {
  /** "30s", "10m", "2h", "3d", "1w", or a Date; past it the token times out and its waiters get `ok: false`. */
  timeout?: string | Date;
  /** The same key (while valid) gives back the same token, `isCached: true`. */
  idempotencyKey?: string;
  /** How long the idempotency key stays valid, e.g. "1h". */
  idempotencyKeyTTL?: string;
  tags?: string | string[];
}

export interface CreatedToken {
  id: string;
  /** POST to it (no key needed) to complete the token with the body. */
  url: string;
  /** A Public Access Token that may complete (and read) this token only, e.g. from a browser. */
  publicAccessToken: string;
  isCached: boolean;
}

/** A token as `listTokens` gives it (dates as Date). */
export interface WaitToken {
  id: string;
  url: string;
  status: WaitTokenStatus;
  completedAt?: Date;
  timeoutAt?: Date;
  idempotencyKey?: string;
  idempotencyKeyExpiresAt?: Date;
  tags: string[];
  createdAt: Date;
}

/** `retrieveToken`: with the output of a completed token, or the error of a timed-out one. */
export interface RetrievedToken<T = unknown> extends WaitToken {
  output?: T;
  error?: Error;
}

export type TokenRef = string | { id: string };
const idOf = (t: TokenRef): string => (typeof t === 'string' ? t : t.id);

export async function createToken(options: CreateTokenOptions = {}): Promise<CreatedToken> {
  const { timeout, idempotencyKey, idempotencyKeyTTL, tags } = options;
  const res = await apiClient().createWaitToken({
    ...(timeout !== undefined ? { timeout: timeout instanceof Date ? timeout.toISOString() : timeout } : {}),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(idempotencyKeyTTL !== undefined ? { idempotencyKeyTTL } : {}),
    ...(tags !== undefined ? { tags: Array.isArray(tags) ? tags : [tags] } : {}),
  });
  return { id: res.id, url: res.url, publicAccessToken: res.publicAccessToken ?? '', isCached: res.isCached };
}

/**
 * Completes the token with `data` (what `wait.forToken` returns as `output`). The first completion wins: a token
 * already completed or timed out makes this throw (409, code `waitpoint_completed`).
 */
export async function completeToken<T = unknown>(token: TokenRef, data: T): Promise<{ success: true }> {
  return apiClient().completeWaitToken(idOf(token), data);
}

function toToken(t: WaitTokenItem): WaitToken {
  const date = (s: string | undefined): Date | undefined => (s === undefined ? undefined : new Date(s));
  const out: WaitToken = { id: t.id, url: t.url, status: t.status, tags: t.tags, createdAt: new Date(t.createdAt) };
  if (t.completedAt) out.completedAt = date(t.completedAt);
  if (t.timeoutAt) out.timeoutAt = date(t.timeoutAt);
  if (t.idempotencyKey !== undefined) out.idempotencyKey = t.idempotencyKey;
  if (t.idempotencyKeyExpiresAt) out.idempotencyKeyExpiresAt = date(t.idempotencyKeyExpiresAt);
  return out;
}

export async function retrieveToken<T = unknown>(token: TokenRef): Promise<RetrievedToken<T>> {
  const r = await apiClient().retrieveWaitToken(idOf(token));
  const out: RetrievedToken<T> = toToken(r);
  if (r.output !== undefined) {
    const parsed = JSON.parse(r.output) as unknown;
    if (r.outputIsError) {
      const message = (parsed as { message?: unknown } | null)?.message;
      out.error = new Error(typeof message === 'string' ? message : 'the wait token ended with an error');
    } else out.output = parsed as T;
  }
  return out;
}

export interface ListTokensOptions extends Omit<ListWaitTokensParams, 'pageSize' | 'after'> {
  /** Page size (default 20, at most 100). */
  limit?: number;
}

/** One page of tokens, newest first. `for await` over it walks every following page too. */
export type TokensPage = CursorPage<WaitToken>;

export async function listTokens(options: ListTokensOptions = {}): Promise<TokensPage> {
  const client = apiClient();
  const { limit, ...filters } = options;
  return cursorPage(
    'listTokens',
    (after) => client.listWaitTokens({ ...filters, ...(limit !== undefined ? { pageSize: limit } : {}), ...(after ? { after } : {}) }),
    toToken,
  );
}
