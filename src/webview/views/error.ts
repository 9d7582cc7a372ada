import type { WebviewToHost } from '../../protocol/webview';
import type { Run } from '../../protocol/run';
import { foldStack, type StackPart } from '../../shared/stack';
import { h } from '../dom';
import { partActions } from './json';

/** What the error section shows of a run: hidden without an error. Pure. */
export function errorText(run: Run): { hidden: boolean; message: string; stack: string } {
  const e = run.error;
  return { hidden: !e, message: e ? `${e.name ? `${e.name}: ` : ''}${e.message}` : '', stack: e?.stackTrace ?? '' };
}

/** The label of a run of folded frames. */
export function foldedLabel(count: number): string {
  return `${count} internal frame${count === 1 ? '' : 's'}`;
}

/**
 * #error-section > #error-message + #error-stack. In the stack, frames of the workspace's files are links
 * (a.stack-link[data-file][data-line][data-column]; a click asks the host to open the place) and each run of other
 * frames (the worker, the SDK, Node) is one closed details.stack-folded ("N internal frames").
 */
export class ErrorView {
  private readonly message = h('pre', { id: 'error-message' });
  private readonly stack = h('div', { id: 'error-stack' });
  readonly root: HTMLDetailsElement;
  private shownStack: string | undefined;

  constructor(
    private readonly workspaceRoot: string | undefined,
    private readonly send: (m: WebviewToHost) => void,
  ) {
    this.root = h('details', { id: 'error-section', className: 'section error', attrs: { open: '', hidden: '' } }, [
      h('summary', {}, ['Error', partActions('error', send)]),
      h('div', {}, [this.message, this.stack]),
    ]);
  }

  show(run: Run): void {
    const e = errorText(run);
    this.root.hidden = e.hidden;
    this.message.textContent = e.message;
    if (e.stack === this.shownStack) return;
    this.shownStack = e.stack;
    this.stack.replaceChildren(...foldStack(e.stack, this.workspaceRoot).map((part) => this.part(part)));
  }

  private part(part: StackPart): HTMLElement {
    if (part.kind === 'folded') {
      return h('details', { className: 'stack-folded' }, [h('summary', { text: foldedLabel(part.lines.length) }), h('pre', { text: part.lines.join('\n') })]);
    }
    const loc = part.location;
    if (!loc) return h('div', { className: 'stack-line', text: part.text });
    const link = h('a', {
      className: 'stack-link',
      text: part.text.trim(),
      attrs: {
        href: '#',
        title: `Open ${loc.file}:${loc.line}:${loc.column}`,
        'data-file': loc.file,
        'data-line': String(loc.line),
        'data-column': String(loc.column),
      },
    });
    link.addEventListener('click', (ev) => {
      ev.preventDefault();
      this.send({ type: 'openSource', file: loc.file, line: loc.line, column: loc.column });
    });
    return h('div', { className: 'stack-line' }, [link]);
  }
}
