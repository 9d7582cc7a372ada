import type { StreamState } from '../state';
import { appendItems } from '../chunks';
import { h, icon } from '../dom';
import type { PanelPrefs, StreamMode } from '../host';
import { MarkdownPane, RawPane, TextPane } from './panes';
import { TabPanel } from './tabPanel';

/** The label after a stream's mode buttons. Pure. */
export function streamStateText(ended: boolean, runTerminal: boolean): string {
  return ended ? 'ended' : runTerminal ? 'finishing' : 'streaming';
}

const MODE_BUTTONS = [
  ['text', 'Text', 'whitespace'],
  ['raw', 'Raw chunks (JSON)', 'json'],
  ['rendered', 'Rendered markdown', 'markdown'],
] as const satisfies readonly (readonly [StreamMode, string, string])[];

export interface StreamViewDeps {
  prefs: PanelPrefs;
  /** Shows this stream's tab (the reader clicked it). */
  select: () => void;
  requestFrame: () => void;
}

/**
 * One stream's tab and panel (.stream[data-stream-key][data-mode][data-chunks][data-ended]), in text, raw or
 * rendered mode. The text view is always current; the raw and rendered views are filled only while shown.
 */
export class StreamView {
  readonly panel: TabPanel;
  private readonly text = new TextPane();
  private readonly raw = new RawPane();
  private readonly md: MarkdownPane;
  private readonly stateLabel = h('span', { className: 'stream-state', text: 'streaming' });
  private readonly modeButtons: HTMLButtonElement[] = [];
  private mode: StreamMode;
  /** Items already in the text view, and the last character of its text (how the next chunk joins it). */
  private textCount = 0;
  private lastChar = '';
  /** The stream as last rendered. */
  private stream: StreamState | undefined;

  constructor(
    readonly key: string,
    private readonly deps: StreamViewDeps,
  ) {
    this.mode = deps.prefs.modeOf(key);
    this.md = new MarkdownPane(deps.requestFrame);
    this.panel = new TabPanel(key, { label: key, icon: 'symbol-string', className: 'stream', mode: this.mode, onSelect: deps.select });
    for (const [mode, title, ic] of MODE_BUTTONS) {
      const b = h(
        'button',
        { className: 'btn secondary mode-btn', attrs: { type: 'button', 'data-mode': mode, title, 'aria-pressed': String(this.mode === mode) } },
        [icon(ic), ` ${mode}`],
      );
      b.addEventListener('click', () => this.setMode(mode));
      this.modeButtons.push(b);
    }
    this.panel.addTools(...this.modeButtons, this.stateLabel);
    this.panel.body.append(this.text.root, this.raw.root, this.md.root);
  }

  render(s: StreamState, runTerminal: boolean): void {
    this.stream = s;
    const p = this.panel;
    const wasAtEnd = p.follow;
    if (this.textCount < s.items.length) {
      const { add, tail } = appendItems(s.items, this.textCount, this.lastChar);
      this.text.append(add);
      this.md.append(add);
      this.lastChar = tail;
      this.textCount = s.items.length;
    }
    p.chunks = s.base + s.items.length;
    if (s.ended) p.root.dataset.ended = 'true';
    this.stateLabel.textContent = streamStateText(s.ended, runTerminal);
    if (p.shown) {
      if (this.mode === 'raw') this.raw.catchUp(s.items);
      else if (this.mode === 'rendered') this.md.render();
      if (wasAtEnd) p.scrollToEnd();
    }
  }

  /** Its tab was selected: fill the view of the current mode. */
  shown(): void {
    const s = this.stream;
    if (!s) return;
    if (this.mode === 'raw') this.raw.catchUp(s.items);
    if (this.mode === 'rendered') this.md.render(true);
    if (this.panel.follow) this.panel.scrollToEnd();
  }

  private setMode(mode: StreamMode): void {
    this.deps.prefs.chooseMode(this.key, mode);
    this.mode = mode;
    this.panel.root.dataset.mode = mode;
    for (const b of this.modeButtons) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
    this.md.invalidate();
    this.shown();
  }
}
