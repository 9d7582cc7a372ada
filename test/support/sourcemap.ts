// Reads the inline source map of a bundle (as esbuild writes it) and maps positions both ways, for tests that set
// breakpoints in a task's TypeScript file through the Chrome DevTools Protocol (which knows only the bundle).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface Mapping {
  /** 0-based position in the bundle. */
  genLine: number;
  genCol: number;
  /** The original file, absolute. */
  source: string;
  /** 0-based position in it. */
  line: number;
  col: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    if (digit < 0) throw new Error(`bad base64 digit ${ch}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** Every mapping of the bundle's inline source map, with its sources made absolute (as a debugger resolves them). */
export function inlineMappings(bundlePath: string): Mapping[] {
  const text = readFileSync(bundlePath, 'utf8');
  const m = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(text);
  if (!m) throw new Error(`${bundlePath} has no inline source map`);
  const map = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as { sources: string[]; sourceRoot?: string; mappings: string };
  const sources = map.sources.map((s) => resolve(dirname(bundlePath), map.sourceRoot ?? '', s));
  const out: Mapping[] = [];
  let src = 0;
  let line = 0;
  let col = 0;
  map.mappings.split(';').forEach((group, genLine) => {
    let genCol = 0;
    for (const seg of group.split(',')) {
      if (!seg) continue;
      const f = decodeVlq(seg);
      genCol += f[0]!;
      if (f.length < 4) continue;
      src += f[1]!;
      line += f[2]!;
      col += f[3]!;
      out.push({ genLine, genCol, source: sources[src]!, line, col });
    }
  });
  return out;
}

/** The first bundle position mapped to `line` (0-based) of `source` (absolute). */
export function generatedFor(mappings: readonly Mapping[], source: string, line: number): Mapping {
  const hits = mappings.filter((m) => m.source === source && m.line === line).sort((a, b) => a.genLine - b.genLine || a.genCol - b.genCol);
  if (!hits[0]) throw new Error(`no mapping for ${source}:${line + 1}`);
  return hits[0];
}

/** The original position of a bundle position: the last mapping at or before it on its line. */
export function originalFor(mappings: readonly Mapping[], genLine: number, genCol: number): Mapping | undefined {
  let best: Mapping | undefined;
  for (const m of mappings) if (m.genLine === genLine && m.genCol <= genCol && (!best || m.genCol >= best.genCol)) best = m;
  return best;
}
