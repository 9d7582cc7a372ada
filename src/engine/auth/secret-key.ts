import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSecretKey } from '../../client/engine-file';

/**
 * The workspace's secret key: the explicit one, else RUNLIGHT_SECRET_KEY, else `<runlightDir>/secret-key`
 * (generated once, mode 0600).
 */
export async function loadSecretKey(runlightDir: string, explicit?: string): Promise<string> {
  const given = explicit ?? process.env.RUNLIGHT_SECRET_KEY;
  if (given) return given.trim();
  const file = join(runlightDir, 'secret-key');
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key) {
      await chmod(file, 0o600);
      return key;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(runlightDir, { recursive: true });
  const key = generateSecretKey();
  await writeFile(file, key + '\n', { mode: 0o600, flag: 'w' });
  await chmod(file, 0o600);
  return key;
}
