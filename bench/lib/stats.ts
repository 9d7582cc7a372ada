import { readdirSync, readFileSync } from 'node:fs';

/** Percentile of an ascending-sorted array (nearest rank). */
export function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!;
}

export function sortNum(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export function median(xs: readonly number[]): number {
  const s = sortNum(xs.filter((x) => Number.isFinite(x)));
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const nowMs = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TICKS = 100; // getconf CLK_TCK on Linux

/** utime+stime of a process in ms, from /proc/<pid>/stat (Linux only). */
export function procCpuMs(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

/**
 * Busy CPU time of the whole machine in µs, every core summed (user, nice, system, irq, softirq, steal from
 * /proc/stat, in clock ticks of 10 ms): what a burst of work cost everything running, whichever process did it.
 */
export function machineBusyUs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * 10_000;
}

/**
 * CPU time of a process in µs: the sum of its threads' time on a CPU from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds, so a burst of a second is measured to the µs, and V8's GC and libuv threads count), or from
 * /proc/<pid>/stat in clock ticks where schedstat is missing.
 */
export function procCpuUs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended meanwhile.
      }
    }
    return ns / 1000;
  } catch {
    return procCpuMs(pid) * 1000;
  }
}

/** The child processes of a process (Linux: /proc/<pid>/task/<pid>/children), or [] where it cannot be read. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
