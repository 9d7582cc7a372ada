import type { ValueMeta } from '../../protocol/run';
import type { WebviewToHost } from '../../protocol/webview';
import type { Json } from '../../shared/json';
import { showValue } from '../../shared/typed-json';
import { h, icon, jsonView } from '../dom';

/** What a JSON section shows, as a string: the section is rebuilt only when it changes (its value or types). Pure. */
export function jsonKey(value: unknown, empty: string, meta?: ValueMeta): string {
  return value === undefined ? `none:${empty}` : JSON.stringify(meta ? [value, meta] : value);
}

export type RunPart = Extract<WebviewToHost, { type: 'valueAction' }>['part'];

/** Copy and Open in Editor buttons for a part of the run, in its section's summary (a click does not fold the section). */
export function partActions(part: RunPart, send: (m: WebviewToHost) => void): HTMLElement {
  const button = (action: 'copy' | 'open', codicon: string, label: string): HTMLElement => {
    const b = h('button', { className: 'part-action', attrs: { type: 'button', title: label, 'aria-label': label, 'data-action': action } }, [icon(codicon)]);
    b.addEventListener('click', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      send({ type: 'valueAction', action, part });
    });
    return b;
  };
  return h('span', { className: 'part-actions' }, [button('copy', 'copy', `Copy the ${part}`), button('open', 'go-to-file', `Open the ${part} in an editor`)]);
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

  constructor(id: RunPart, title: string, open: boolean, send: (m: WebviewToHost) => void) {
    this.body = h('div', { id, className: 'json-view' });
    this.root = h('details', { id: `${id}-section`, className: 'section', attrs: open ? { open: '' } : {} }, [
      h('summary', {}, [title, partActions(id, send)]),
      this.body,
    ]);
  }

  /** `empty`: the text shown while the value is undefined; `meta`: superjson's types of the value (Dates, Maps…). */
  show(value: Json | undefined, empty: string, meta?: ValueMeta): void {
    const key = jsonKey(value, empty, meta);
    if (key === this.shown) return;
    this.shown = key;
    this.body.replaceChildren(
      value === undefined ? h('span', { className: 'json-none', text: empty }) : jsonView(showValue(value, meta), this.collapsed, `$${this.body.id}`),
    );
  }

  /** A new snapshot: the next show() rebuilds. */
  reset(): void {
    this.shown = undefined;
  }
}
