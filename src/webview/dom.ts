import type { MdNode } from './markdown';

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

const MAX_ENTRIES = 500;
const MAX_STRING = 10_000;
const MAX_DEPTH = 24;

/**
 * A collapsible JSON view: objects and arrays are <details> (open unless their path is in `collapsed`,
 * which the caller keeps across re-renders so a live view keeps what the user folded).
 */
export function jsonView(value: unknown, collapsed: Set<string>, path = '$', label?: string, depth = 0): HTMLElement {
  const row = h('div', { className: 'json-row' });
  const keyEl = label !== undefined ? [h('span', { className: 'json-key', text: label }), ': '] : [];
  if (value === null || typeof value !== 'object') {
    row.append(...keyEl, primitive(value));
    return row;
  }
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summaryText = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  if (entries.length === 0 || depth >= MAX_DEPTH) {
    row.append(...keyEl, h('span', { className: 'json-empty', text: depth >= MAX_DEPTH ? '…' : Array.isArray(value) ? '[]' : '{}' }));
    return row;
  }
  const details = h('details', { className: 'json-node', attrs: { 'data-path': path } });
  details.open = !collapsed.has(path);
  details.addEventListener('toggle', () => {
    if (details.open) collapsed.delete(path);
    else collapsed.add(path);
  });
  details.append(h('summary', {}, [...keyEl, h('span', { className: 'json-count', text: summaryText })]));
  const body = h('div', { className: 'json-children' });
  for (const [k, v] of entries.slice(0, MAX_ENTRIES)) body.append(jsonView(v, collapsed, `${path}.${k}`, k, depth + 1));
  if (entries.length > MAX_ENTRIES) body.append(h('div', { className: 'json-more', text: `… ${entries.length - MAX_ENTRIES} more` }));
  details.append(body);
  row.append(details);
  return row;
}

function primitive(value: unknown): HTMLElement {
  if (typeof value === 'string') {
    const s = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… (${value.length} chars)` : value;
    return h('span', { className: 'json-string', text: JSON.stringify(s) });
  }
  const type = value === null ? 'null' : typeof value;
  return h('span', { className: `json-${type}`, text: String(value) });
}
