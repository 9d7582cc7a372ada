import { h, icon } from '../dom';
import { isAtBottom } from '../scroll';

/**
 * One tab of the stream area and its panel (.stream[data-stream-key][role=tabpanel]): a toolbar ending in the
 * Follow button, and a scroll body that follows the end until the reader scrolls up (scrolling back to the
 * bottom, or Follow, resumes it).
 */
export class TabPanel {
  readonly tab: HTMLButtonElement;
  readonly root: HTMLElement;
  readonly toolbar = h('div', { className: 'stream-toolbar' });
  readonly body = h('div', { className: 'stream-body', attrs: { tabindex: '0' } });
  /** Follow the end: true until the reader scrolls up. */
  follow = true;

  constructor(key: string, o: { label: string; icon: string; className: string; mode: string; onSelect: () => void }) {
    this.tab = h('button', { className: 'tab', attrs: { type: 'button', role: 'tab', 'data-tab': key, 'aria-selected': 'false' } }, [
      icon(o.icon),
      ` ${o.label}`,
    ]);
    this.tab.addEventListener('click', o.onSelect);
    this.root = h('div', {
      className: o.className,
      attrs: { role: 'tabpanel', 'data-stream-key': key, 'data-mode': o.mode, 'data-chunks': '0', hidden: '' },
    });
    const followBtn = h('button', { className: 'btn secondary follow-btn', attrs: { type: 'button', title: 'Follow the end', hidden: '' } }, [
      icon('arrow-down'),
      ' Follow',
    ]);
    followBtn.addEventListener('click', () => {
      this.follow = true;
      followBtn.hidden = true;
      this.scrollToEnd();
    });
    this.body.addEventListener('scroll', () => {
      this.follow = isAtBottom(this.body);
      followBtn.hidden = this.follow;
    });
    this.toolbar.append(h('span', { className: 'spacer' }), followBtn);
    this.root.append(this.toolbar, this.body);
  }

  /** Toolbar items, before the spacer and the Follow button. */
  addTools(...items: HTMLElement[]): void {
    this.toolbar.firstChild!.before(...items);
  }

  get shown(): boolean {
    return !this.root.hidden;
  }

  setSelected(on: boolean): void {
    this.tab.setAttribute('aria-selected', String(on));
    this.tab.classList.toggle('active', on);
    this.root.hidden = !on;
  }

  set chunks(n: number) {
    this.root.dataset.chunks = String(n);
  }

  scrollToEnd(): void {
    this.body.scrollTop = this.body.scrollHeight;
  }
}
