import type { PanelNotice } from '../../protocol/webview';
import { h } from '../dom';

/** The host's notice (a failed cancel or replay, a run that could not be loaded): #notice[data-level]. */
export class NoticeView {
  readonly root = h('div', { id: 'notice', attrs: { role: 'status', hidden: '' } });

  show(notice: PanelNotice | undefined): void {
    this.root.hidden = !notice;
    if (notice) {
      this.root.dataset.level = notice.level;
      this.root.textContent = notice.message;
    }
  }
}
