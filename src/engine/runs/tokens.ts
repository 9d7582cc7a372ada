/**
 * Wait tokens (Trigger.dev's waitpoint tokens): created by tasks or backends, completed once — by the SDK, a
 * Public Access Token scoped to the token, the token's callback URL, or its timeout — and waited on by runs.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { CreateWaitTokenRequest, RetrieveWaitTokenResponse, WaitTokenItem } from '../../protocol/waitpoints';
import { DEFAULT_IDEMPOTENCY_KEY_TTL } from '../../protocol/api';
import { WAITPOINT_TIMEOUT_CODE } from '../../protocol/waitpoints';
import { routes } from '../../protocol/routes';
import { describeError } from '../../shared/errors';
import { EngineError } from '../errors';
import { durationMs, newId } from '../ids';
import type { Page, RunStore, WaitTokenFilter, WaitTokenRecord } from '../store/types';

export interface TokenServiceOptions {
  /** The engine's URL, for callback URLs (known once it listens). */
  baseUrl: () => string;
  /** How often due tokens time out and tokens runs wait on are re-read (settled by another node); default 1000 ms. */
  sweepMs?: number;
  log: (line: string) => void;
}

type Listener = (token: WaitTokenRecord) => void;

export class TokenService {
  private readonly listeners = new Map<string, Set<Listener>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly store: Pick<RunStore, 'createToken' | 'getToken' | 'settleToken' | 'timeOutDueTokens' | 'listTokens'>,
    private readonly o: TokenServiceOptions,
  ) {}

  /** Starts timing out due tokens (and re-reading the watched ones) every `sweepMs`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.o.sweepMs ?? 1000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  async create(body: CreateWaitTokenRequest & { tags?: string[] }): Promise<{ token: WaitTokenRecord; isCached: boolean }> {
    const now = Date.now();
    const token: WaitTokenRecord = {
      id: newId('waitpoint'),
      status: 'WAITING',
      createdAt: now,
      tags: body.tags ?? [],
      callbackSecret: randomBytes(24).toString('base64url'),
    };
    if (body.timeout !== undefined) token.timeoutAt = timeOf(body.timeout, now, 'timeout');
    if (body.idempotencyKey !== undefined) {
      token.idempotencyKey = body.idempotencyKey;
      // As for runs: a key finds its token for 30 days unless the request says otherwise.
      token.idempotencyKeyExpiresAt = timeOf(body.idempotencyKeyTTL ?? DEFAULT_IDEMPOTENCY_KEY_TTL, now, 'idempotencyKeyTTL');
    }
    return this.store.createToken(token, now);
  }

  /** The token as it is now: a WAITING one past its timeout is timed out first. */
  async get(id: string): Promise<WaitTokenRecord> {
    const token = await this.store.getToken(id);
    if (!token) throw notFound(id);
    if (token.status === 'WAITING' && token.timeoutAt !== undefined && token.timeoutAt <= Date.now()) {
      return (await this.settle(id, { status: 'TIMED_OUT' })).token;
    }
    return token;
  }

  /**
   * Completes a token with `output` (JSON text). The first completion wins; completing a token that is no longer
   * WAITING is refused (409 `waitpoint_completed`), saying how and when it ended.
   */
  async complete(id: string, output: string | undefined): Promise<WaitTokenRecord> {
    const before = await this.get(id);
    if (before.status !== 'WAITING') throw alreadySettled(before);
    const { token, settled } = await this.settle(id, output === undefined ? { status: 'COMPLETED' } : { status: 'COMPLETED', output });
    if (!settled) throw alreadySettled(token);
    return token;
  }

  /** Completes through the callback URL: the secret must match (else 404, as for a token that does not exist). */
  async completeByCallback(id: string, secret: string, output: string | undefined): Promise<WaitTokenRecord> {
    const token = await this.store.getToken(id);
    if (!token || !sameSecret(token.callbackSecret, secret)) throw notFound(id);
    return this.complete(id, output);
  }

  async list(filter: WaitTokenFilter, page: Page): Promise<WaitTokenRecord[]> {
    await this.timeOutDue();
    return this.store.listTokens(filter, page);
  }

  /** Calls `fn` once the token is no longer WAITING (at once if it already is); returns a function that stops. */
  watch(id: string, fn: Listener): () => void {
    let done = false;
    const once: Listener = (t) => {
      if (done) return;
      done = true;
      stop();
      fn(t);
    };
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(once);
    const stop = (): void => {
      const s = this.listeners.get(id);
      s?.delete(once);
      if (s?.size === 0) this.listeners.delete(id);
    };
    // Listen first, then read: a settlement in between is seen by one or the other.
    this.get(id).then(
      (t) => {
        if (t.status !== 'WAITING') once(t);
      },
      (e: unknown) => this.o.log(`wait token ${id}: could not read it: ${describeError(e)}`),
    );
    return () => {
      done = true;
      stop();
    };
  }

  /** The callback URL of a token. */
  url(token: WaitTokenRecord): string {
    return `${this.o.baseUrl()}${routes.waitTokenCallback(token.id, token.callbackSecret)}`;
  }

  /** A token as list gives it. */
  item(token: WaitTokenRecord): WaitTokenItem {
    const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
    const item: WaitTokenItem = { id: token.id, url: this.url(token), status: token.status, tags: token.tags, createdAt: iso(token.createdAt)! };
    if (token.completedAt !== undefined) item.completedAt = iso(token.completedAt);
    if (token.timeoutAt !== undefined) item.timeoutAt = iso(token.timeoutAt);
    if (token.idempotencyKey !== undefined) item.idempotencyKey = token.idempotencyKey;
    if (token.idempotencyKeyExpiresAt !== undefined) item.idempotencyKeyExpiresAt = iso(token.idempotencyKeyExpiresAt);
    return item;
  }

  /** A token as retrieve gives it: with its output, or for a timeout the timeout error. */
  retrieved(token: WaitTokenRecord): RetrieveWaitTokenResponse {
    const out: RetrieveWaitTokenResponse = this.item(token);
    if (token.status === 'COMPLETED' && token.output !== undefined) {
      out.output = token.output;
      out.outputType = 'application/json';
      out.outputIsError = false;
    } else if (token.status === 'TIMED_OUT') {
      out.output = JSON.stringify(timeoutError(token));
      out.outputType = 'application/json';
      out.outputIsError = true;
    }
    return out;
  }

  private async settle(id: string, s: Parameters<RunStore['settleToken']>[1]): Promise<{ token: WaitTokenRecord; settled: boolean }> {
    const r = await this.store.settleToken(id, s, Date.now());
    if (!r) throw notFound(id);
    if (r.settled) this.notify(r.token);
    return r;
  }

  private notify(token: WaitTokenRecord): void {
    for (const fn of [...(this.listeners.get(token.id) ?? [])]) fn(token);
  }

  private async timeOutDue(): Promise<void> {
    for (const id of await this.store.timeOutDueTokens(Date.now())) {
      if (this.listeners.has(id)) {
        const t = await this.store.getToken(id);
        if (t) this.notify(t);
      }
    }
  }

  /** Times out due tokens, and re-reads the ones runs here wait on (another engine node may have settled them). */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.timeOutDue();
      for (const id of [...this.listeners.keys()]) {
        const t = await this.store.getToken(id);
        if (t && t.status !== 'WAITING') this.notify(t);
      }
    } catch (e) {
      this.o.log(`wait tokens: ${describeError(e)}`);
    } finally {
      this.sweeping = false;
    }
  }
}

/** Trigger.dev's timeout output of a waitpoint: `{ code, message }`. */
export function timeoutError(token: WaitTokenRecord): { code: string; message: string } {
  const at = new Date(token.timeoutAt ?? token.completedAt ?? Date.now()).toISOString();
  return { code: WAITPOINT_TIMEOUT_CODE, message: `Waitpoint timed out at ${at}` };
}

/** A duration ("10m") from now, or an ISO date, as epoch ms. */
function timeOf(value: string, now: number, field: string): number {
  let ms: number;
  try {
    ms = now + durationMs(value);
  } catch {
    ms = Date.parse(value);
  }
  if (!Number.isFinite(ms)) throw new EngineError('invalid_request', `body.${field}: use a duration such as "10m", "2h", "3d" or an ISO date`);
  return ms;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function notFound(id: string): EngineError {
  return new EngineError('waitpoint_not_found', `wait token ${id} does not exist`);
}

function alreadySettled(token: WaitTokenRecord): EngineError {
  const at = token.completedAt === undefined ? '' : ` at ${new Date(token.completedAt).toISOString()}`;
  const how = token.status === 'TIMED_OUT' ? `timed out${at}` : `was already completed${at}; the first completion wins`;
  return new EngineError('waitpoint_completed', `wait token ${token.id} ${how} (status ${token.status})`);
}
