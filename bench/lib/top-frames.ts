/** Prints the top self-time frames of a V8 .cpuprofile: `node --import tsx bench/lib/top-frames.ts FILE [N]`. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Profile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export function topFrames(file: string, n: number): string[] {
  const p = Profile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFrame = new Map<string, number>();
  let total = 0;
  for (const node of p.nodes) {
    const us = self.get(node.id) ?? 0;
    if (node.callFrame.functionName === '(idle)') continue;
    total += us;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    byFrame.set(key, (byFrame.get(key) ?? 0) + us);
  }
  const rows = [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `busy ${Math.round(total / 1000)} ms`,
    ...rows.map(
      ([k, us]) =>
        `${((us / total) * 100).toFixed(1).padStart(5)}%  ${Math.round(us / 1000)
          .toString()
          .padStart(6)} ms  ${k}`,
    ),
  ];
}

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (!file) throw new Error('usage: top-frames FILE [N]');
  process.stdout.write(topFrames(file, Number(n ?? 25)).join('\n') + '\n');
}
