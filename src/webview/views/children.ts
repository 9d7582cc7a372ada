import type { RunStatus } from '../../protocol/run';
import type { ChildRuns, WebviewToHost } from '../../protocol/webview';
import { STATUS_LOOK } from '../../shared/status';
import { h } from '../dom';

/** One row of the child-run list. Pure. */
export interface ChildRow {
  id: string;
  task: string;
  status: RunStatus;
  /** className of the status codicon, and its colour (a theme variable or ''). */
  iconClass: string;
  iconColor: string;
  statusLabel: string;
}

export function childRows(children: ChildRuns): { rows: ChildRow[]; heading: string } {
  const rows = children.runs.map((r) => {
    const look = STATUS_LOOK[r.status];
    const spin = look.codicon.endsWith('~spin');
    return {
      id: r.id,
      task: r.taskIdentifier,
      status: r.status,
      iconClass: `codicon codicon-${look.codicon.replace('~spin', '')}${spin ? ' codicon-modifier-spin' : ''}`,
      iconColor: look.color ? `var(--vscode-${look.color.replace(/\./g, '-')})` : '',
      statusLabel: look.label,
    };
  });
  const more = children.total - rows.length;
  return { rows, heading: `Child runs (${children.total})${more > 0 ? ` — the first ${rows.length} listed` : ''}` };
}

/**
 * The runs triggered from inside this one, live: `#children` (hidden while there are none) > `h2` and
 * `ul > li.child-run[data-run-id][data-status] > button` (status icon, task, id); a click opens that run's panel.
 */
export class ChildrenView {
  private readonly heading = h('h2', { className: 'section-title' });
  private readonly list = h('ul', { className: 'child-runs' });
  readonly root = h('section', { id: 'children', attrs: { hidden: '' } }, [this.heading, this.list]);

  constructor(private readonly send: (message: WebviewToHost) => void) {}

  show(children: ChildRuns): void {
    const { rows, heading } = childRows(children);
    this.root.hidden = children.total === 0;
    this.heading.textContent = heading;
    this.list.replaceChildren(...rows.map((r) => this.row(r)));
  }

  private row(r: ChildRow): HTMLElement {
    const icon = h('span', { className: r.iconClass, attrs: { 'aria-hidden': 'true' } });
    icon.style.color = r.iconColor;
    const open = h('button', { className: 'child-open', attrs: { type: 'button', title: `Open run ${r.id} (${r.statusLabel})` } }, [
      icon,
      h('span', { className: 'child-task', text: r.task }),
      h('code', { className: 'child-id', text: r.id }),
      h('span', { className: 'child-status', text: r.statusLabel }),
    ]);
    open.addEventListener('click', () => this.send({ type: 'openRun', runId: r.id }));
    const li = h('li', { className: 'child-run' }, [open]);
    li.dataset.runId = r.id;
    li.dataset.status = r.status;
    return li;
  }
}
