import { EngineClient } from '../client/api';
import { engineFilePath, isEngineAlive, readEngineInfo, readSecretKey, secretKeyPath } from '../client/engine-file';
import { CliError } from './errors';
import { shellQuote as quote } from './quote';

/**
 * An EngineClient for the engine of workspace `dir`, with the workspace secret key: the engine `RUNLIGHT_API_URL`
 * (or `TRIGGER_API_URL`) names — VS Code sets them in its integrated terminals — when it answers, else the one
 * `<dir>/.runlight/engine.json` records.
 */
export async function connect(dir: string, env: Record<string, string | undefined>): Promise<EngineClient> {
  const accessToken = await readSecretKey(dir, env);
  const fromEnv = env.RUNLIGHT_API_URL || env.TRIGGER_API_URL;
  if (fromEnv && accessToken && (await isEngineAlive(fromEnv, { accessToken }))) return new EngineClient({ baseURL: fromEnv, accessToken });
  const info = await readEngineInfo(dir);
  if (!info) {
    const named = fromEnv ? ` and ${fromEnv} (RUNLIGHT_API_URL / TRIGGER_API_URL) does not answer` : '';
    throw new CliError(`no Runlight engine is running for ${dir} (no ${engineFilePath(dir)})${named}; start one with: runlight dev --dir ${quote(dir)}`);
  }
  if (!accessToken) {
    throw new CliError(`no secret key: set RUNLIGHT_SECRET_KEY or let the engine write ${secretKeyPath(dir)}`);
  }
  if (!(await isEngineAlive(info.url, { accessToken }))) {
    throw new CliError(
      `the engine recorded in ${engineFilePath(dir)} (pid ${info.pid}) does not answer at ${info.url}; start one with: runlight dev --dir ${quote(dir)}`,
    );
  }
  return new EngineClient({ baseURL: info.url, accessToken });
}
