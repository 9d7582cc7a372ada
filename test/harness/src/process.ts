// Child processes the harness starts: free ports, polling, and stopping whole process groups.
import { type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Polls `probe` until it returns true; throws after `timeoutMs` or when `abort` returns a reason. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean> | boolean,
  { timeoutMs, intervalMs = 100, abort }: { timeoutMs: number; intervalMs?: number; abort?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (
      await Promise.resolve()
        .then(probe)
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Pids of live processes whose environment holds `KEY=value` (only ours carry our run marker). */
export function pidsWithEnv(key: string, value: string): number[] {
  const needle = Buffer.from(`${key}=${value}\0`);
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`);
      if (env.includes(needle)) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops a detached child's process group (SIGTERM, then SIGKILL after `graceMs`), and then every
 * process still carrying the run marker (e.g. a grandchild that started its own group).
 */
export async function stopGroup(
  child: ChildProcess,
  { graceMs = 5000, marker }: { graceMs?: number; marker?: { key: string; value: string } } = {},
): Promise<void> {
  const pid = child.pid;
  if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
    signal(-pid, 'SIGTERM');
    await Promise.race([exited(child), sleep(graceMs)]);
  }
  if (pid !== undefined) signal(-pid, 'SIGKILL');
  if (marker) {
    for (let i = 0; i < 3; i++) {
      const left = pidsWithEnv(marker.key, marker.value);
      if (left.length === 0) break;
      for (const p of left) signal(p, i === 0 ? 'SIGTERM' : 'SIGKILL');
      await sleep(i === 0 ? 1000 : 200);
    }
  }
}
