import type { MdNode } from './markdown';
import type { ShownEntry, ShownLeaf, ShownValue } from '../shared/typed-json';

/** DOM builders. Text only ever enters the DOM as text nodes (textContent / createTextNode). */

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { id?: string; className?: string; attrs?: Record<string, string>; text?: string } = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.id) e.id = props.id;
  if (props.className) e.className = props.className;
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  if (props.text !== undefined) e.textContent = props.text;
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

/** A codicon (decorative: hidden from screen readers). */
export function icon(name: string): HTMLElement {
  return h('span', { className: `codicon codicon-${name}`, attrs: { 'aria-hidden': 'true' } });
}

/** The safe markdown tree (markdown.ts) → DOM. */
export function mdToDom(nodes: readonly MdNode[], parent: Node): void {
  for (const n of nodes) {
    if (typeof n === 'string') {
      parent.appendChild(document.createTextNode(n));
      continue;
    }
    const e = document.createElement(n.tag);
    if (n.attrs?.href) {
      e.setAttribute('href', n.attrs.href);
      e.setAttribute('rel', 'noopener noreferrer');
    }
    if (n.attrs?.title) e.setAttribute('title', n.attrs.title);
    if (n.attrs?.start) e.setAttribute('start', n.attrs.start);
    if (n.attrs?.align) e.setAttribute('data-align', n.attrs.align);
    mdToDom(n.children, e);
    parent.appendChild(e);
  }
}

/**
 * A collapsible JSON view of a shown value (src/shared/typed-json.ts: JSON, with superjson's types at their places):
 * containers are <details> (open unless their path is in `collapsed`, which the caller keeps across re-renders so a
 * live view keeps what the user folded); a typed leaf shows its type before its text (`Date 2026-…`, `BigInt 12n`).
 */
export function jsonView(value: ShownValue, collapsed: Set<string>, path = '$', entry?: Omit<ShownEntry, 'value'>): HTMLElement {
  const row = h('div', { className: 'json-row' });
  const keyEl = entry !== undefined ? [h('span', { className: 'json-key', text: entry.key }), entry.arrow ? ' => ' : ': '] : [];
  if (value.kind === 'leaf') {
    row.append(...keyEl, ...leaf(value));
    return row;
  }
  if (value.entries.length === 0) {
    row.append(...keyEl, h('span', { className: 'json-empty', text: value.empty }));
    return row;
  }
  const details = h('details', { className: 'json-node', attrs: { 'data-path': path } });
  details.open = !collapsed.has(path);
  details.addEventListener('toggle', () => {
    if (details.open) collapsed.delete(path);
    else collapsed.add(path);
  });
  details.append(h('summary', {}, [...keyEl, h('span', { className: 'json-count', text: value.summary })]));
  const body = h('div', { className: 'json-children' });
  for (const [i, e] of value.entries.entries()) body.append(jsonView(e.value, collapsed, `${path}.${e.arrow ? i : e.key}`, e));
  if (value.more > 0) body.append(h('div', { className: 'json-more', text: `… ${value.more} more` }));
  details.append(body);
  row.append(details);
  return row;
}

function leaf(v: ShownLeaf): HTMLElement[] {
  if (v.style !== 'typed') return [h('span', { className: `json-${v.style}`, text: v.text })];
  return v.type
    ? [h('span', { className: 'json-type', text: v.type }), h('span', { className: 'json-typed', text: ` ${v.text}` })]
    : [h('span', { className: 'json-typed', text: v.text })];
}
