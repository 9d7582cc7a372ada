import { h } from '../dom';
import { detectProgress } from '../progress';

export interface ProgressRow {
  /** The metadata path: data-key of the bar. */
  key: string;
  /** 0..100, one decimal. */
  percent: number;
  text: string;
}

/** The bars the metadata calls for. Pure. */
export function progressRows(metadata: unknown): ProgressRow[] {
  return detectProgress(metadata).map((b) => ({ key: b.key, percent: Math.round(b.value * 1000) / 10, text: b.text }));
}

/** #progress: one .progress-bar[role=progressbar] per progress value found in the run's metadata, kept by key. */
export class ProgressView {
  readonly root = h('section', { id: 'progress', attrs: { 'aria-label': 'Progress' } });

  show(metadata: unknown): void {
    const rows = progressRows(metadata);
    const seen = new Set<string>();
    for (const r of rows) {
      seen.add(r.key);
      let bar = this.root.querySelector<HTMLElement>(`.progress-bar[data-key="${CSS.escape(r.key)}"]`);
      if (!bar) {
        bar = h(
          'div',
          {
            className: 'progress-bar',
            attrs: { 'data-key': r.key, role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': r.key },
          },
          [
            h('span', { className: 'progress-label', text: r.key }),
            h('div', { className: 'progress-track' }, [h('div', { className: 'progress-fill' })]),
            h('span', { className: 'progress-value' }),
          ],
        );
        this.root.append(bar);
      }
      const fill = bar.querySelector<HTMLElement>('.progress-fill')!;
      fill.style.width = `${r.percent}%`;
      fill.setAttribute('aria-valuenow', String(r.percent));
      bar.setAttribute('aria-valuenow', String(r.percent));
      bar.querySelector('.progress-value')!.textContent = r.text;
    }
    for (const bar of [...this.root.querySelectorAll<HTMLElement>('.progress-bar')]) if (!seen.has(bar.dataset.key ?? '')) bar.remove();
    this.root.hidden = rows.length === 0;
  }
}
