import type { StreamItem } from '../../protocol/webview';
import { rawLines } from '../chunks';
import { h, mdToDom } from '../dom';
import { renderMarkdown } from '../markdown';
import { stableMarkdownEnd } from '../mdblocks';

/** The three views of a stream's text: pre.stream-text, pre.stream-raw and div.stream-rendered. */

/** Characters per segment of the text view before it is cut at the next line end. */
export const TEXT_SEGMENT_CHARS = 16_384;
/** The rendered view re-renders at most this often while text streams in. */
export const MARKDOWN_EVERY_MS = 120;

/** Where to end the current segment of the text view in `add` (after that index), or -1 to append it all. Pure. */
export function segmentCut(segmentLength: number, add: string): number {
  return segmentLength >= TEXT_SEGMENT_CHARS ? add.lastIndexOf('\n') : -1;
}

/**
 * The text view, always current. A long text is kept in block segments (span.text-seg) cut at line ends, so
 * appending lays out only the last segment, and segments out of sight are skipped by the browser
 * (content-visibility on .text-seg.done).
 */
export class TextPane {
  readonly root = h('pre', { className: 'stream-text' });
  /** The last segment's text node. */
  private node = document.createTextNode('');

  constructor() {
    this.root.append(h('span', { className: 'text-seg' }, [this.node]));
  }

  append(add: string): void {
    const cut = segmentCut(this.node.length, add);
    if (cut < 0) {
      this.node.appendData(add);
      return;
    }
    this.node.appendData(add.slice(0, cut + 1));
    this.node.parentElement?.classList.add('done');
    this.node = document.createTextNode(add.slice(cut + 1));
    this.root.append(h('span', { className: 'text-seg' }, [this.node]));
  }
}

/** The raw view: one JSON line per chunk, filled only while shown (catchUp). */
export class RawPane {
  readonly root = h('pre', { className: 'stream-raw' });
  private count = 0;

  catchUp(items: readonly StreamItem[]): void {
    if (this.count >= items.length) return;
    this.root.append(document.createTextNode(rawLines(items, this.count)));
    this.count = items.length;
  }
}

/** Whether the rendered view renders now, on a later frame, or not at all (nothing new). Pure. */
export function markdownDue(dirty: boolean, force: boolean, now: number, renderedAt: number): 'now' | 'later' | 'no' {
  if (!dirty && !force) return 'no';
  return force || now - renderedAt >= MARKDOWN_EVERY_MS ? 'now' : 'later';
}

/**
 * The rendered view: sanitised markdown (markdown.ts → dom.ts). Finished blocks are in .md-stable, rendered
 * once each as an .md-seg; the text after the last cut (mdblocks.ts), `pending`, is re-rendered into .md-tail
 * as it grows. The whole text is never held as one string: slicing a long, growing string copies all of it,
 * every frame.
 */
export class MarkdownPane {
  private readonly stable = h('div', { className: 'md-stable' });
  private readonly tail = h('div', { className: 'md-tail' });
  readonly root = h('div', { className: 'stream-rendered markdown' }, [this.stable, this.tail]);
  private pending = '';
  private dirty = false;
  private renderedAt = 0;

  constructor(
    /** Asks for another frame (a render put off by the rate limit). */
    private readonly requestFrame: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Text added to the stream (kept whether or not the view is shown). */
  append(text: string): void {
    this.pending += text;
    this.dirty = true;
  }

  /** The view is about to be shown again: render at the next chance, whatever the rate limit. */
  invalidate(): void {
    this.dirty = true;
    this.renderedAt = 0;
  }

  /** Renders what is new; `force` ignores the rate limit. */
  render(force = false): void {
    if (!this.dirty && !force) return;
    const now = this.now();
    if (markdownDue(this.dirty, force, now, this.renderedAt) === 'later') {
      this.requestFrame(); // try again on a later frame
      return;
    }
    this.renderedAt = now;
    this.dirty = false;
    const end = stableMarkdownEnd(this.pending);
    if (end > 0) {
      const seg = h('div', { className: 'md-seg' });
      mdToDom(renderMarkdown(this.pending.slice(0, end)), seg);
      this.stable.append(seg);
      this.pending = this.pending.slice(end);
    }
    const frag = document.createDocumentFragment();
    mdToDom(renderMarkdown(this.pending), frag);
    this.tail.replaceChildren(frag);
  }
}
