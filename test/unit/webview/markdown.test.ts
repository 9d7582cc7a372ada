import assert from 'node:assert/strict';
import { decodeEntities, renderMarkdown, safeHref, type MdNode } from '../../../src/webview/markdown';

/** Serialises the tree for assertions (tags and attributes visible; strings JSON-quoted so markup in text is obvious). */
function show(nodes: MdNode[]): string {
  return nodes
    .map((n) => {
      if (typeof n === 'string') return JSON.stringify(n);
      const attrs = Object.entries(n.attrs ?? {})
        .map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
        .join('');
      return `<${n.tag}${attrs}>${show(n.children)}</${n.tag}>`;
    })
    .join('');
}

function allTags(nodes: MdNode[], out = new Set<string>()): Set<string> {
  for (const n of nodes)
    if (typeof n !== 'string') {
      out.add(n.tag);
      allTags(n.children, out);
    }
  return out;
}

function allHrefs(nodes: MdNode[], out: string[] = []): string[] {
  for (const n of nodes)
    if (typeof n !== 'string') {
      if (n.attrs?.href) out.push(n.attrs.href);
      allHrefs(n.children, out);
    }
  return out;
}

describe('markdown (sanitised by construction)', () => {
  it('renders common markdown to allowed elements', () => {
    const out = show(renderMarkdown('# Title\n\nSome **bold** and *em* and `code` and ~~del~~.\n\n- a\n- b\n\n```js\nx < 1\n```'));
    assert.equal(
      out,
      '<h1>"Title"</h1><p>"Some "<strong>"bold"</strong>" and "<em>"em"</em>" and "<code>"code"</code>" and "<del>"del"</del>"."</p>' +
        '<ul><li>"a"</li><li>"b"</li></ul><pre><code>"x < 1"</code></pre>',
    );
  });

  it('shows raw HTML as text, never as elements', () => {
    const nodes = renderMarkdown('hi <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n<div onclick="x()">block</div>');
    const tags = allTags(nodes);
    for (const bad of ['script', 'img', 'div', 'iframe', 'style']) assert.ok(!tags.has(bad as never), bad);
    const text = show(nodes);
    assert.match(text, /<script>/);
    assert.match(text, /onerror=alert\(2\)/);
  });

  it('drops javascript:, data:, vbscript:, file: and obfuscated links, keeping their text', () => {
    const src = [
      '[a](javascript:alert(1))',
      '[b](JaVaScRiPt:alert(1))',
      '[c](java\tscript:alert(1))',
      '[d](data:text/html;base64,PHNjcmlwdD4=)',
      '[e](vbscript:msgbox)',
      '[f](file:///etc/passwd)',
      '[g](&#106;avascript:alert(1))',
      '<javascript:alert(1)>',
      '[h](/relative)',
      '![img](javascript:alert(1))',
    ].join('\n\n');
    const nodes = renderMarkdown(src);
    assert.deepEqual(allHrefs(nodes), []);
    assert.match(show(nodes), /"a"/);
  });

  it('keeps http(s) and mailto links', () => {
    const hrefs = allHrefs(renderMarkdown('[x](https://example.com/a?b=1) <https://trigger.dev> [m](mailto:a@b.c)'));
    assert.deepEqual(hrefs, ['https://example.com/a?b=1', 'https://trigger.dev/', 'mailto:a@b.c']);
  });

  it('decodes character references into text (shown, not parsed)', () => {
    assert.equal(decodeEntities('a &amp; b &lt;x&gt; &#39; &#x1F600; &bogus;'), "a & b <x> ' 😀 &bogus;");
    assert.equal(show(renderMarkdown('&lt;script&gt;')), '<p>"<script>"</p>');
  });

  it('safeHref normalises and refuses', () => {
    assert.equal(safeHref(' https://a.b '), 'https://a.b/');
    assert.equal(safeHref('javascript:x'), undefined);
    assert.equal(safeHref(''), undefined);
    assert.equal(safeHref(null), undefined);
  });

  it('renders tables and task lists', () => {
    const out = show(renderMarkdown('| a | b |\n|---|:-:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo'));
    assert.match(out, /<table><thead><tr><th>"a"<\/th><th align="center">"b"<\/th><\/tr><\/thead><tbody><tr><td>"1"<\/td>/);
    assert.match(out, /<li>"☑ ""done"<\/li><li>"☐ ""todo"<\/li>/);
  });
});
