import * as z from 'zod/mini';
import './zod-locale';
import { PageOf, Tags } from './api';

/**
 * Wait tokens, on Trigger.dev's waitpoint-token paths and shapes: a run waits on one with `wait.forToken`, and
 * the SDK, a Public Access Token scoped `write:waitpoints:<id>`, or the token's callback URL completes it.
 */

export const WaitTokenStatus = z.enum(['WAITING', 'COMPLETED', 'TIMED_OUT']);
export type WaitTokenStatus = z.infer<typeof WaitTokenStatus>;

/** `POST /api/v1/waitpoints/tokens`. `timeout`: a duration ("30s", "10m", "2h", "3d", "1w") or an ISO date. */
export const CreateWaitTokenRequest = z.object({
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  idempotencyKeyTTL: z.optional(z.string()),
  timeout: z.optional(z.string()),
  tags: z.optional(Tags),
});
export type CreateWaitTokenRequest = z.input<typeof CreateWaitTokenRequest>;

export const CreateWaitTokenResponse = z.object({ id: z.string(), isCached: z.boolean(), url: z.string() });
export type CreateWaitTokenResponse = z.infer<typeof CreateWaitTokenResponse>;

/** A token as list and retrieve give it (dates as ISO strings). */
export const WaitTokenItem = z.object({
  id: z.string(),
  /** POSTing to it completes the token with the body; it needs no key. */
  url: z.string(),
  status: WaitTokenStatus,
  completedAt: z.optional(z.string()),
  timeoutAt: z.optional(z.string()),
  idempotencyKey: z.optional(z.string()),
  idempotencyKeyExpiresAt: z.optional(z.string()),
  tags: z.array(z.string()),
  createdAt: z.string(),
});
export type WaitTokenItem = z.infer<typeof WaitTokenItem>;

/** Retrieve adds the output: JSON text (`outputType` application/json); a timeout's is an error (`outputIsError`). */
export const RetrieveWaitTokenResponse = z.extend(WaitTokenItem, {
  output: z.optional(z.string()),
  outputType: z.optional(z.string()),
  outputIsError: z.optional(z.boolean()),
});
export type RetrieveWaitTokenResponse = z.infer<typeof RetrieveWaitTokenResponse>;

export const ListWaitTokensResponse = PageOf(WaitTokenItem);
export type ListWaitTokensResponse = z.infer<typeof ListWaitTokensResponse>;

export const CompleteWaitTokenResponse = z.object({ success: z.literal(true) });

/** The error code a timed-out token's output carries (Trigger.dev's). */
export const WAITPOINT_TIMEOUT_CODE = 'TRIGGER_WAITPOINT_TIMEOUT';
