import { EngineClient } from '../client/api';
import { engineFilePath, isEngineAlive, readEngineInfo, readSecretKey, secretKeyPath } from '../client/engine-file';
import { CliError } from './errors';
import { shellQuote as quote } from './quote';

/** An EngineClient for the engine of workspace `dir` (via its engine.json), with the workspace secret key. */
export async function connect(dir: string, env: Record<string, string | undefined>): Promise<EngineClient> {
  const info = await readEngineInfo(dir);
  if (!info) {
    throw new CliError(`no Runlight engine is running for ${dir} (no ${engineFilePath(dir)}); start one with: runlight dev --dir ${quote(dir)}`);
  }
  const accessToken = await readSecretKey(dir, env);
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
