import { ensureSecretKey } from '../../client/engine-file';

/** The workspace's secret key: the explicit one, else RUNLIGHT_SECRET_KEY, else `<dir>/.runlight/secret-key` (see `ensureSecretKey`). */
export async function loadSecretKey(dir: string, explicit?: string): Promise<string> {
  const given = explicit ?? process.env.RUNLIGHT_SECRET_KEY;
  if (given) return given.trim();
  return ensureSecretKey(dir);
}
