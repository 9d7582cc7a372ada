import * as z from 'zod/mini';
import './zod-locale';

/** Claims of a Public Access Token, as Trigger.dev's SDK mints them (HS256, signed with the secret key). */
export const JWT_ISSUER = 'https://id.trigger.dev';
export const JWT_AUDIENCE = 'https://api.trigger.dev';
/** `sub` of tokens minted for a local Runlight workspace (served by /api/v1/auth/jwt/claims). */
export const JWT_SUBJECT = 'runlight-dev';

export const PatClaims = z.object({
  sub: z.optional(z.string()),
  pub: z.literal(true),
  scopes: z.array(z.string()),
  otu: z.optional(z.boolean()),
  realtime: z.optional(z.object({ skipColumns: z.optional(z.array(z.string())) })),
  iat: z.optional(z.number()),
  exp: z.number(),
});
export type PatClaims = z.infer<typeof PatClaims>;

export interface Scope {
  action: string;
  type: string;
  id?: string;
}

/** `action:type[:id]` — only the first two colons delimit, so ids may contain colons (`read:tags:user:123`). */
export function parseScope(scope: string): Scope {
  const a = scope.indexOf(':');
  if (a < 0) return { action: scope, type: '' };
  const b = scope.indexOf(':', a + 1);
  if (b < 0) return { action: scope.slice(0, a), type: scope.slice(a + 1) };
  return { action: scope.slice(0, a), type: scope.slice(a + 1, b), id: scope.slice(b + 1) };
}

export function formatScope(s: Scope): string {
  return s.id === undefined ? `${s.action}:${s.type}` : `${s.action}:${s.type}:${s.id}`;
}

/** The `scopes: { read: { runs, tags, batch, tasks } }` object of createPublicToken, flattened. */
export interface ScopeSpec {
  read?: { runs?: true | string | string[]; tags?: true | string | string[]; batch?: true | string | string[]; tasks?: true | string | string[] };
  trigger?: { tasks?: true | string | string[] };
  write?: { inputStreams?: true | string | string[] };
}

export function flattenScopes(spec: ScopeSpec): string[] {
  const out: string[] = [];
  for (const [action, types] of Object.entries(spec) as [string, Record<string, true | string | string[] | undefined>][]) {
    for (const [type, ids] of Object.entries(types ?? {})) {
      if (ids === undefined) continue;
      if (ids === true) out.push(`${action}:${type}`);
      else for (const id of Array.isArray(ids) ? ids : [ids]) out.push(`${action}:${type}:${id}`);
    }
  }
  return out;
}

/** A secret key: ours (`rl_dev_…`) or Trigger.dev style (`tr_dev_…`). Anything else is a JWT. */
export function isSecretKey(token: string): boolean {
  return /^(rl|tr)_(dev|prod|stg|preview)_[A-Za-z0-9_-]{8,}$/.test(token);
}
