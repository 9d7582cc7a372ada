import { Lexer, type Token, type Tokens } from 'marked';

/**
 * Markdown → a tree of allowed elements and plain strings, built from marked's lexer tokens (marked's
 * HTML renderer is never used). Safe by construction: raw HTML in the source becomes visible text,
 * only the tags below can appear, the only attributes are a checked `href`, `title` and `start`, and
 * every piece of model text ends up as a DOM text node. Pure: the DOM is built by dom.ts.
 */

export type MdTag =
  | 'p'
  | 'h1'
  | 'h2'
  | 'h3'
  | 'h4'
  | 'h5'
  | 'h6'
  | 'pre'
  | 'code'
  | 'blockquote'
  | 'ul'
  | 'ol'
  | 'li'
  | 'hr'
  | 'br'
  | 'strong'
  | 'em'
  | 'del'
  | 'a'
  | 'table'
  | 'thead'
  | 'tbody'
  | 'tr'
  | 'th'
  | 'td';

export interface MdElement {
  tag: MdTag;
  attrs?: { href?: string; title?: string; start?: string; align?: string };
  children: MdNode[];
}
export type MdNode = string | MdElement;

const SAFE_SCHEMES = /^(https?:|mailto:)/i;

/** The href if it is an absolute http(s)/mailto URL, else undefined (javascript:, data:, vbscript:, file:, relative…). */
export function safeHref(href: string | null | undefined): string | undefined {
  if (!href) return undefined;
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"): strip them first.
  // eslint-disable-next-line no-control-regex
  const cleaned = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (!SAFE_SCHEMES.test(cleaned)) return undefined;
  try {
    const u = new URL(cleaned);
    if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'mailto:') return undefined;
    return u.href;
  } catch {
    return undefined;
  }
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', '#39': "'" };

/** Decodes the character references marked leaves in text (`&amp;`, `&#39;`, `&#x1F600;`). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]+\d*);/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED[ref.toLowerCase()] ?? m;
  });
}

const el = (tag: MdTag, children: MdNode[], attrs?: MdElement['attrs']): MdElement => (attrs ? { tag, attrs, children } : { tag, children });

function inline(tokens: readonly Token[] | undefined): MdNode[] {
  const out: MdNode[] = [];
  for (const t of tokens ?? []) {
    switch (t.type) {
      case 'text': {
        const tt = t as Tokens.Text;
        if (tt.tokens?.length) out.push(...inline(tt.tokens));
        else out.push(decodeEntities(tt.text));
        break;
      }
      case 'escape':
        out.push(decodeEntities((t as Tokens.Escape).text));
        break;
      case 'html':
      case 'tag':
        out.push((t as Tokens.HTML).text); // shown, never interpreted
        break;
      case 'strong':
        out.push(el('strong', inline((t as Tokens.Strong).tokens)));
        break;
      case 'em':
        out.push(el('em', inline((t as Tokens.Em).tokens)));
        break;
      case 'del':
        out.push(el('del', inline((t as Tokens.Del).tokens)));
        break;
      case 'codespan':
        out.push(el('code', [(t as Tokens.Codespan).text]));
        break;
      case 'br':
        out.push(el('br', []));
        break;
      case 'link': {
        const lt = t as Tokens.Link;
        const href = safeHref(lt.href);
        const children = inline(lt.tokens);
        if (href) out.push(el('a', children, lt.title ? { href, title: lt.title } : { href }));
        else out.push(...children);
        break;
      }
      case 'image': {
        const it = t as Tokens.Image;
        const href = safeHref(it.href);
        const label = `[image${it.text ? `: ${decodeEntities(it.text)}` : ''}]`;
        out.push(href ? el('a', [label], { href }) : label);
        break;
      }
      case 'checkbox':
        out.push((t as Tokens.Checkbox).checked ? '☑ ' : '☐ ');
        break;
      default:
        if ('text' in t && typeof t.text === 'string') out.push(t.text);
    }
  }
  return out;
}

function block(tokens: readonly Token[]): MdNode[] {
  const out: MdNode[] = [];
  for (const t of tokens) {
    switch (t.type) {
      case 'space':
      case 'def':
        break;
      case 'paragraph':
        out.push(el('p', inline((t as Tokens.Paragraph).tokens)));
        break;
      case 'heading': {
        const h = t as Tokens.Heading;
        const depth = Math.min(6, Math.max(1, h.depth));
        out.push(el(`h${depth}` as MdTag, inline(h.tokens)));
        break;
      }
      case 'code':
        out.push(el('pre', [el('code', [(t as Tokens.Code).text])]));
        break;
      case 'hr':
        out.push(el('hr', []));
        break;
      case 'blockquote':
        out.push(el('blockquote', block((t as Tokens.Blockquote).tokens)));
        break;
      case 'list': {
        const l = t as Tokens.List;
        const items = l.items.map((item) => el('li', item.loose ? block(item.tokens) : inlineOrBlock(item.tokens)));
        const start = l.ordered && typeof l.start === 'number' && l.start !== 1 ? { start: String(l.start) } : undefined;
        out.push(el(l.ordered ? 'ol' : 'ul', items, start));
        break;
      }
      case 'table': {
        const tb = t as Tokens.Table;
        const cell = (tag: 'th' | 'td', c: Tokens.TableCell) => el(tag, inline(c.tokens), c.align ? { align: c.align } : undefined);
        out.push(
          el('table', [
            el('thead', [
              el(
                'tr',
                tb.header.map((c) => cell('th', c)),
              ),
            ]),
            el(
              'tbody',
              tb.rows.map((r) =>
                el(
                  'tr',
                  r.map((c) => cell('td', c)),
                ),
              ),
            ),
          ]),
        );
        break;
      }
      case 'html':
        out.push(el('p', [(t as Tokens.HTML).text])); // raw HTML is shown as text
        break;
      case 'text': {
        const tt = t as Tokens.Text;
        out.push(el('p', tt.tokens?.length ? inline(tt.tokens) : [decodeEntities(tt.text)]));
        break;
      }
      default:
        if ('text' in t && typeof t.text === 'string') out.push(el('p', [t.text]));
    }
  }
  return out;
}

/** Tight list items hold `text` tokens with inline children: keep them inline (no <p> per item). */
function inlineOrBlock(tokens: readonly Token[]): MdNode[] {
  const out: MdNode[] = [];
  for (const t of tokens) {
    if (t.type === 'text' || t.type === 'checkbox') out.push(...inline([t]));
    else out.push(...block([t]));
  }
  return out;
}

export function renderMarkdown(source: string): MdNode[] {
  const tokens = new Lexer({ gfm: true, breaks: false }).lex(source);
  return block(tokens);
}

/** Markdown of the kinds a model writes, rendered once and thrown away to warm the renderer up. */
const WARM_UP = [
  '# Heading\n\nSome **bold**, *italic*, `code` and a [link](https://example.com).\n',
  '- one\n- two\n  - nested\n\n1. first\n2. second\n\n> a quote\n',
  '```ts\nconst x = 1;\n```\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n---\n',
].join('\n');

/**
 * The first render compiles the lexer's patterns and the renderer's code: tens of milliseconds on a small
 * machine, in the frame that first shows streamed markdown. Doing it while the panel is idle keeps that frame
 * short.
 */
export function warmUpMarkdown(): void {
  renderMarkdown(WARM_UP);
}
