// Makes test/compat/fixtures/* from Trigger.dev's documentation: each file is one code block of a docs page, copied
// verbatim below its marker line, with the page, the commit, the block's position and a sha256 of the block in the
// header (the suite checks the hash, so the example lines stay unchanged), and where the example assumes things the
// page does not show (an SDK import, a helper, a third-party client), a preamble of stubs above the marker.
// Usage: node test/compat/extract.mjs <bare git dir of triggerdotdev/trigger.dev>
// Test data, not Runlight code: the examples are Trigger.dev's (Apache-2.0).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './fixture-sources.mjs';

const repo = process.argv[2];
if (!repo) throw new Error('usage: node test/compat/extract.mjs <git dir of trigger.dev>');
const commit = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD']).toString().trim();
export const EXAMPLE_MARKER = '// ---- the docs example, verbatim';

/** The code blocks of a page: { index (1-based, every fence counts), line (of the opening fence), code }. */
function blocks(page) {
  const lines = execFileSync('git', ['-C', repo, 'show', `HEAD:docs/${page}.mdx`])
    .toString()
    .split('\n');
  const out = [];
  let open;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```/.exec(lines[i]);
    if (fence && !open) open = { index: out.length + 1, line: i + 1, indent: fence[1], body: [] };
    else if (fence && open) {
      out.push({
        index: open.index,
        line: open.line,
        code: open.body.map((l) => (l.startsWith(open.indent) ? l.slice(open.indent.length) : l)).join('\n') + '\n',
      });
      open = undefined;
    } else if (open) open.body.push(lines[i]);
  }
  return out;
}

const dir = join(import.meta.dirname, 'fixtures');
for (const f of FIXTURES) {
  const block = blocks(f.page).find((b) => b.line === f.line);
  if (!block) throw new Error(`docs/${f.page}.mdx has no code block at line ${f.line}`);
  const name = `${f.page.replace(/\//g, '-')}--${block.index}`;
  const sha = createHash('sha256').update(block.code).digest('hex');
  const header = [
    `// Trigger.dev documentation example: test data of Runlight's compatibility suite (test/compat), not Runlight code.`,
    `// Source: docs/${f.page}.mdx, code block ${block.index} (opening fence at line ${block.line}), triggerdotdev/trigger.dev@${commit} (Apache-2.0).`,
  ];
  if (f.preamble) header.push(`// ---- preamble added by Runlight (not in the docs): ${f.why}`, f.preamble.trim());
  header.push(`${EXAMPLE_MARKER} (sha256 ${sha}) ----`);
  writeFileSync(join(dir, `${name}.ts`), header.join('\n') + '\n' + block.code);
  console.log(name);
}
