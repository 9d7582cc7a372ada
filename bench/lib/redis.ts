import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort, stopChild, waitLine } from './procs';

export interface RedisProc {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** The redis-server binary on PATH, or undefined. */
export function redisBinary(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

/**
 * redis-server on a free loopback port: without persistence, or with `aofDir` an append-only file there fsynced
 * once a second (`appendonly yes`, `appendfsync everysec`): the durability of the engine's SQLite WAL, whose
 * commits reach the OS before they are acknowledged and survive the process being killed.
 */
export async function startRedis(bin: string, opts: { aofDir?: string } = {}): Promise<RedisProc> {
  const port = await freePort();
  const persistence = opts.aofDir
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', opts.aofDir, '--save', '']
    : ['--save', '', '--appendonly', 'no'];
  const child: ChildProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', ...persistence, '--protected-mode', 'yes', '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitLine(child, /Ready to accept connections/, 60_000, 'redis-server');
  return { port, pid: child.pid!, stop: () => stopChild(child) };
}
