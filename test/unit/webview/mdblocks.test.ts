import assert from 'node:assert/strict';
import { renderMarkdown } from '../../../src/webview/markdown';
import { stableMarkdownEnd } from '../../../src/webview/mdblocks';

/** Renders text in pieces cut where stableMarkdownEnd says, as the rendered view does while a stream grows. */
function renderInPieces(text: string, step: number): unknown[] {
  const out: unknown[] = [];
  let done = 0;
  for (let n = step; n < text.length + step; n += step) {
    const seen = text.slice(0, Math.min(n, text.length));
    const end = done + stableMarkdownEnd(seen.slice(done));
    assert.ok(end >= done, 'cuts only move forward');
    if (end > done) out.push(...renderMarkdown(text.slice(done, end)));
    done = end;
  }
  out.push(...renderMarkdown(text.slice(done)));
  return out;
}

describe('webview markdown cuts', () => {
  it('cuts after a blank line before a new paragraph or heading', () => {
    const t = 'First paragraph\nstill first.\n\nSecond one.\n\n# Heading\n';
    assert.equal(stableMarkdownEnd(t), t.indexOf('# Heading'));
  });

  it('does not cut before the last line is complete', () => {
    assert.equal(stableMarkdownEnd('One.\n\nTwo'), 0);
    assert.equal(stableMarkdownEnd('One.\n\nTwo\n'), 6);
  });

  it('never cuts inside a fenced code block, even at blank lines', () => {
    const t = 'Intro.\n\n```ts\nconst a = 1;\n\nconst b = 2;\n\nreturn;\n';
    assert.equal(stableMarkdownEnd(t), t.indexOf('```'));
    const closed = t + '```\n\nAfter.\n';
    assert.equal(stableMarkdownEnd(closed), closed.indexOf('After.'));
    assert.equal(stableMarkdownEnd('~~~\nx\n\ny\n```\n\nz\n'), 0, 'a ``` line does not close a ~~~ fence');
  });

  it('keeps lists, quotes, tables and indented continuations whole', () => {
    for (const t of ['1. one\n\n2. two\n', '- a\n\n- b\n', '> q\n\n> r\n', '- item\n\n  more of the item\n', '| a |\n|---|\n\n| b |\n']) {
      assert.equal(stableMarkdownEnd(t), 0, JSON.stringify(t));
    }
  });

  it('renders the same in pieces as in one go, whatever the chunk size', () => {
    const text = [
      '# Answer',
      '',
      'Some **bold** text and `code`, then a list:',
      '',
      '1. one',
      '',
      '2. two',
      '   continued',
      '',
      '```js',
      'let x = 1;',
      '',
      'x++;',
      '```',
      '',
      '> a quote',
      '',
      '| h | i |',
      '|---|---|',
      '| 1 | 2 |',
      '',
      'Last paragraph with a [link](https://example.com).',
      '',
    ].join('\n');
    const whole = renderMarkdown(text);
    for (const step of [1, 3, 7, 16, 64]) assert.deepEqual(renderInPieces(text, step), whole, `step ${step}`);
  });
});
