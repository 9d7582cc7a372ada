import { h, jsonView } from '../dom';

/** What a JSON section shows, as a string: the section is rebuilt only when it changes. Pure. */
export function jsonKey(value: unknown, empty: string): string {
  return value === undefined ? `none:${empty}` : JSON.stringify(value);
}

/**
 * A collapsible section (details#<id>-section.section) holding a live JSON view (div#<id>.json-view), rebuilt
 * when the value changes; what the reader folded stays folded.
 */
export class JsonSection {
  readonly root: HTMLDetailsElement;
  private readonly body: HTMLElement;
  private readonly collapsed = new Set<string>();
  private shown: string | undefined;

  constructor(id: string, title: string, open: boolean) {
    this.body = h('div', { id, className: 'json-view' });
    this.root = h('details', { id: `${id}-section`, className: 'section', attrs: open ? { open: '' } : {} }, [h('summary', { text: title }), this.body]);
  }

  /** `empty`: the text shown while the value is undefined. */
  show(value: unknown, empty: string): void {
    const key = jsonKey(value, empty);
    if (key === this.shown) return;
    this.shown = key;
    this.body.replaceChildren(value === undefined ? h('span', { className: 'json-none', text: empty }) : jsonView(value, this.collapsed, `$${this.body.id}`));
  }

  /** A new snapshot: the next show() rebuilds. */
  reset(): void {
    this.shown = undefined;
  }
}
