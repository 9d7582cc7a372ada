// Peak memory of everything the harness started: the sum of PSS over this process's descendants.
import { readdirSync, readFileSync } from 'node:fs';

function children(): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = byParent.get(ppid) ?? [];
      list.push(Number(name));
      byParent.set(ppid, list);
    } catch {
      // gone
    }
  }
  return byParent;
}

function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** PSS in MiB of `root` (default: this process) and all its descendants. */
export function treePssMiB(root = process.pid): number {
  const byParent = children();
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    total += pssKiB(pid);
    stack.push(...(byParent.get(pid) ?? []));
  }
  return total / 1024;
}

/** Samples the process tree every `intervalMs` and keeps the peak. */
export function startMemorySampler(intervalMs = 500): { peakMiB(): number; stop(): number } {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, treePssMiB());
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peakMiB: () => peak,
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
