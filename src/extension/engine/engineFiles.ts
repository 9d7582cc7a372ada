import { compileCacheDir } from '../../client/engine-file';
export { generateSecretKey, isPidAlive } from '../../client/engine-file';

/**
 * Small pure helpers around finding and starting an engine (engine.json itself is read by src/client).
 * No vscode import.
 */

const LISTENING = /Runlight engine listening on (https?:\/\/[^\s]+)/;

/** The URL of a `Runlight engine listening on http://127.0.0.1:PORT` line, else undefined. */
export function parseListeningLine(line: string): string | undefined {
  return LISTENING.exec(line)?.[1]?.replace(/\/+$/, '');
}

/** Only loopback engines are attached to: the secret key is sent to whatever engine.json names. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
  } catch {
    return false;
  }
}

export interface SpawnPlan {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** How the engine child process is started: VS Code's own runtime as plain Node. */
export function engineSpawnPlan(opts: {
  execPath: string;
  cliPath: string;
  workspace: string;
  port: number;
  secretKey: string;
  taskDirs?: readonly string[];
  retention?: { days: number; maxRuns: number };
  env: NodeJS.ProcessEnv;
}): SpawnPlan {
  const args = [opts.cliPath, 'dev', '--dir', opts.workspace, '--port', String(opts.port)];
  const env: NodeJS.ProcessEnv = {
    ...opts.env,
    ELECTRON_RUN_AS_NODE: '1',
    RUNLIGHT_SECRET_KEY: opts.secretKey,
    NODE_COMPILE_CACHE: opts.env.NODE_COMPILE_CACHE ?? compileCacheDir(opts.workspace),
  };
  if (opts.taskDirs?.length) env.RUNLIGHT_TASK_DIRS = opts.taskDirs.join(',');
  if (opts.retention) {
    env.RUNLIGHT_RETENTION_DAYS = String(opts.retention.days);
    env.RUNLIGHT_RETENTION_RUNS = String(opts.retention.maxRuns);
  }
  return { command: opts.execPath, args, env };
}

/**
 * What a process needs to reach the engine: Trigger.dev's pair (the official SDK, the user's backend) and Runlight's
 * (`runlight …`, which reads the same key).
 */
export function sdkEnvironment(url: string, secretKey: string): Record<string, string> {
  return { TRIGGER_API_URL: url, TRIGGER_SECRET_KEY: secretKey, RUNLIGHT_API_URL: url, RUNLIGHT_SECRET_KEY: secretKey };
}

/** `KEY=value` lines, as a `.env` file takes them. */
export function envFileText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}
