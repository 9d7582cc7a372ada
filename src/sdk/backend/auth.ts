import { unsupported } from './unsupported';
import { SignJWT } from 'jose';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_SUBJECT, flattenScopes, isSecretKey, type ScopeSpec } from '../../protocol/auth';
import { configure, resolveConfig, runWithConfig, type ApiClientConfiguration } from './config';

/** Public Access Tokens signed locally (HS256, the secret key as HMAC secret), as Trigger.dev's `auth`. */

type Ids = string | string[];

/** `scopes` of createPublicToken: `{ read: { runs: ['run_1'] | true, tags, batch, tasks } }` and friends. */
export type PublicTokenPermissions = ScopeSpec & {
  read?: { waitpoints?: Ids; inputStreams?: Ids };
  write?: { waitpoints?: Ids };
  batchTrigger?: { tasks?: true | Ids };
};

/** An expiry: a duration such as "15m" / "1h", a Unix time in seconds, or a Date. */
export type ExpirationTime = string | number | Date;

export interface CreatePublicTokenOptions {
  scopes?: PublicTokenPermissions;
  /** Default "15m". */
  expirationTime?: ExpirationTime;
  realtime?: { skipColumns?: string[] };
}

export interface CreateTriggerTokenOptions {
  /** Default "15m". */
  expirationTime?: ExpirationTime;
  /** Trigger tokens are one-time use unless this is true. */
  multipleUse?: boolean;
  realtime?: { skipColumns?: string[] };
}

export interface SignTokenInput {
  secretKey: string;
  scopes: string[];
  expirationTime?: ExpirationTime;
  otu?: boolean;
  realtime?: { skipColumns?: string[] };
}

/** Signs a PAT with the claims of src/protocol/auth.ts (`iss`, `aud`, `sub`, `pub`, `scopes`, `iat`, `exp`). */
export async function signPublicToken(input: SignTokenInput): Promise<string> {
  const claims: Record<string, unknown> = { pub: true, scopes: input.scopes };
  if (input.otu !== undefined) claims.otu = input.otu;
  if (input.realtime) claims.realtime = input.realtime;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setSubject(JWT_SUBJECT)
    .setIssuedAt()
    .setExpirationTime(input.expirationTime ?? '15m')
    .sign(new TextEncoder().encode(input.secretKey));
}

function secretKeyOrThrow(what: string): string {
  const { accessToken } = resolveConfig();
  if (!isSecretKey(accessToken)) {
    throw new Error(`${what} needs the workspace secret key (rl_dev_…) as accessToken; a Public Access Token cannot sign tokens`);
  }
  return accessToken;
}

async function createPublicToken(options: CreatePublicTokenOptions = {}): Promise<string> {
  return signPublicToken({
    secretKey: secretKeyOrThrow('auth.createPublicToken'),
    scopes: options.scopes ? flattenScopes(options.scopes) : [],
    expirationTime: options.expirationTime,
    realtime: options.realtime,
  });
}

async function createTriggerPublicToken(task: string | string[], options: CreateTriggerTokenOptions = {}): Promise<string> {
  return signPublicToken({
    secretKey: secretKeyOrThrow('auth.createTriggerPublicToken'),
    scopes: flattenScopes({ trigger: { tasks: task } }),
    expirationTime: options.expirationTime,
    otu: !(options.multipleUse ?? false),
    realtime: options.realtime,
  });
}

async function createBatchTriggerPublicToken(task: string | string[], options: CreateTriggerTokenOptions = {}): Promise<string> {
  const spec: PublicTokenPermissions = { batchTrigger: { tasks: task } };
  return signPublicToken({
    secretKey: secretKeyOrThrow('auth.createBatchTriggerPublicToken'),
    scopes: flattenScopes(spec),
    expirationTime: options.expirationTime,
    otu: !(options.multipleUse ?? false),
    realtime: options.realtime,
  });
}

/** Runs `fn` with another configuration (e.g. a Public Access Token) for SDK calls made inside it. */
async function withAuth<R>(config: ApiClientConfiguration, fn: () => Promise<R>): Promise<R> {
  return runWithConfig(config, fn);
}

async function withPublicToken<R>(options: CreatePublicTokenOptions, fn: () => Promise<R>): Promise<R> {
  const accessToken = await createPublicToken(options);
  return withAuth({ accessToken }, fn);
}

export const auth = {
  configure,
  createPublicToken,
  createTriggerPublicToken,
  createBatchTriggerPublicToken,
  withAuth,
  withPublicToken,
  withTriggerPublicToken: unsupported('auth.withTriggerPublicToken()'),
  withBatchTriggerPublicToken: unsupported('auth.withBatchTriggerPublicToken()'),
  getOIDCToken: unsupported('auth.getOIDCToken()'),
};
