import { timingSafeEqual, createHash } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors, type CryptoKey } from 'jose';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_SUBJECT, PatClaims, isSecretKey, parseScope, type Scope } from '../../protocol/auth';
import { EngineError } from '../errors';

/** Who is calling: the holder of the secret key, or a Public Access Token with scopes. */
export type Principal = { kind: 'secret' } | { kind: 'pat'; scopes: Scope[]; claims: PatClaims };

/** A resource a route touches, e.g. `{ type: 'runs', id: 'run_1' }`; a route passes if any scope matches any resource. */
export interface Resource {
  type: string;
  id?: string;
}

export class Authenticator {
  /** The HMAC key, imported once: handing jose the raw bytes would import it again on every sign and verify. */
  private readonly key: Promise<CryptoKey>;

  constructor(
    private readonly secretKey: string,
    private readonly useTokenOnce: (hash: string, expiresAt: number) => Promise<boolean>,
  ) {
    this.key = crypto.subtle.importKey('raw', new TextEncoder().encode(secretKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw new EngineError('unauthorized', 'Authorization: missing; send "Authorization: Bearer <secret key or Public Access Token>"');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new EngineError('unauthorized', 'Authorization: expected "Bearer <token>"');
    const token = m[1]!;
    if (isSecretKey(token)) {
      if (this.isOurSecret(token)) return { kind: 'secret' };
      throw new EngineError('invalid_api_key', 'Authorization: the secret key is not valid for this engine');
    }
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await this.key, { algorithms: ['HS256'], issuer: JWT_ISSUER, audience: JWT_AUDIENCE }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) {
        throw new EngineError('token_expired', 'Public Access Token has expired; mint a new one');
      }
      const detail = e instanceof joseErrors.JOSEError ? e.code : 'ERR_MALFORMED';
      throw new EngineError('invalid_token', `Public Access Token is invalid (${detail}); check it was signed with this workspace's secret key`);
    }
    const claims = PatClaims.safeParse(payload);
    if (!claims.success) throw new EngineError('invalid_token', 'Public Access Token is invalid: claims pub, scopes and exp are required');
    if (claims.data.otu) {
      const hash = createHash('sha256').update(token).digest('hex');
      if (!(await this.useTokenOnce(hash, claims.data.exp * 1000))) {
        throw new EngineError('token_used', 'Public Access Token is a one-time use token and has already been used');
      }
    }
    return { kind: 'pat', scopes: claims.data.scopes.map(parseScope), claims: claims.data };
  }

  private isOurSecret(token: string): boolean {
    const a = Buffer.from(token);
    const b = Buffer.from(this.secretKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Mints a Public Access Token (used for the `x-trigger-jwt` header of trigger responses). */
  async mint(scopes: string[], expiresInSeconds = 3600): Promise<string> {
    return new SignJWT({ pub: true, scopes })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(JWT_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setSubject(JWT_SUBJECT)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(await this.key);
  }
}

/** True when any scope grants `action` on any of the resources (`read:all` and `admin` grant everything). */
export function allows(principal: Principal, action: string, resources: readonly Resource[]): boolean {
  if (principal.kind === 'secret') return true;
  return principal.scopes.some((s) => {
    if (s.action === 'admin' || (s.action === action && s.type === 'all')) return true;
    if (s.action !== action) return false;
    return resources.some((r) => r.type === s.type && (s.id === undefined || s.id === r.id));
  });
}

export function requireSecret(principal: Principal, what: string): void {
  if (principal.kind !== 'secret') {
    throw new EngineError('forbidden', `${what} needs the secret key; a Public Access Token cannot do this`);
  }
}

export function requireScope(principal: Principal, action: string, resources: readonly Resource[], what: string): void {
  if (!allows(principal, action, resources)) {
    const wanted = resources.map((r) => `${action}:${r.type}${r.id === undefined ? '' : `:${r.id}`}`).join(', ');
    throw new EngineError('forbidden', `Public Access Token has no scope for ${what} (one of: ${wanted})`);
  }
}
