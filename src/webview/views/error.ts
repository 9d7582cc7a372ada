import type { Run } from '../../protocol/run';
import { h } from '../dom';

/** What the error section shows of a run: hidden without an error. Pure. */
export function errorText(run: Run): { hidden: boolean; message: string; stack: string } {
  const e = run.error;
  return { hidden: !e, message: e ? `${e.name ? `${e.name}: ` : ''}${e.message}` : '', stack: e?.stackTrace ?? '' };
}

/** #error-section > #error-message + #error-stack. */
export class ErrorView {
  private readonly message = h('pre', { id: 'error-message' });
  private readonly stack = h('pre', { id: 'error-stack' });
  readonly root = h('details', { id: 'error-section', className: 'section error', attrs: { open: '', hidden: '' } }, [
    h('summary', { text: 'Error' }),
    h('div', {}, [this.message, this.stack]),
  ]);

  show(run: Run): void {
    const e = errorText(run);
    this.root.hidden = e.hidden;
    this.message.textContent = e.message;
    this.stack.textContent = e.stack;
  }
}
