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

/** redis-server on a free loopback port without persistence. */
export async function startRedis(bin: string): Promise<RedisProc> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--daemonize', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await waitLine(child, /Ready to accept connections/, 10_000, 'redis-server');
  return { port, pid: child.pid!, stop: () => stopChild(child) };
}
