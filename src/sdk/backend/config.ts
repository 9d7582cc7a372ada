import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineClient } from '../../client/api';
import { EngineInfo } from '../../protocol/api';
import { parseJsonAs } from '../../protocol/parse';

/** Where backend calls go and with which token, as Trigger.dev's `configure` / `auth.configure` take it. */
export interface ApiClientConfiguration {
  /** Engine URL. Default: RUNLIGHT_API_URL, TRIGGER_API_URL, else `<cwd>/.runlight/engine.json`. */
  baseURL?: string;
  /** Secret key or Public Access Token. Default: RUNLIGHT_SECRET_KEY, TRIGGER_SECRET_KEY, else `<cwd>/.runlight/secret-key`. */
  accessToken?: string;
  /** Trigger.dev's older name for accessToken. */
  secretKey?: string;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

let globalConfig: ApiClientConfiguration = {};
const scoped = new AsyncLocalStorage<ApiClientConfiguration>();

/** Sets the global configuration (replacing the previous one). Values left out fall back to the environment. */
export function configure(options: ApiClientConfiguration): void {
  globalConfig = { ...options };
}

/** Runs `fn` with `config` layered over the global configuration (for this async context only). */
export function runWithConfig<R>(config: ApiClientConfiguration, fn: () => R): R {
  return scoped.run({ ...currentConfig(), ...config }, fn);
}

function currentConfig(): ApiClientConfiguration {
  return scoped.getStore() ?? globalConfig;
}

export interface ResolvedConfig {
  baseURL: string;
  accessToken: string;
}

/** The effective configuration; throws ConfigurationError naming what is missing. */
export function resolveConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): ResolvedConfig {
  const c = currentConfig();
  const baseURL = c.baseURL || env.RUNLIGHT_API_URL || env.TRIGGER_API_URL || urlFromEngineFile(cwd);
  const accessToken = c.accessToken || c.secretKey || env.RUNLIGHT_SECRET_KEY || env.TRIGGER_SECRET_KEY || keyFromFile(cwd);
  if (!baseURL) {
    throw new ConfigurationError(
      'Runlight SDK: no engine URL. Call configure({ baseURL }) or set RUNLIGHT_API_URL (or TRIGGER_API_URL), or run inside a workspace with a running `runlight dev`.',
    );
  }
  if (!accessToken) {
    throw new ConfigurationError('Runlight SDK: no access token. Call configure({ accessToken }) or set RUNLIGHT_SECRET_KEY (or TRIGGER_SECRET_KEY).');
  }
  return { baseURL, accessToken };
}

/** An EngineClient for the effective configuration. */
export function apiClient(): EngineClient {
  return new EngineClient(resolveConfig());
}

function urlFromEngineFile(cwd: string): string | undefined {
  try {
    return parseJsonAs(EngineInfo, readFileSync(join(cwd, '.runlight', 'engine.json'), 'utf8'))?.url;
  } catch {
    return undefined; // no engine file
  }
}

function keyFromFile(cwd: string): string | undefined {
  try {
    return readFileSync(join(cwd, '.runlight', 'secret-key'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
