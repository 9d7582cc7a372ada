import type { LogChunk } from '../../protocol/sse';
import { LOG_STREAM_KEY } from '../../shared/streams';
import { h } from '../dom';
import { TabPanel } from './tabPanel';

/** One log line's cells. Pure. */
export function logLine(l: LogChunk): { time: string; level: string; message: string } {
  return { time: l.time ? new Date(l.time).toLocaleTimeString() : '', level: l.level, message: l.message };
}

/** The Logs tab (always the last): .stream.logs[data-stream-key="$logs"] .log-line[data-level]. */
export class LogsView {
  readonly key = LOG_STREAM_KEY;
  readonly panel: TabPanel;
  private readonly lines = h('div', { className: 'log-lines' });
  private count = 0;

  constructor(select: () => void) {
    this.panel = new TabPanel(LOG_STREAM_KEY, { label: 'Logs', icon: 'output', className: 'stream logs', mode: 'text', onSelect: select });
    this.panel.body.append(this.lines);
  }

  render(logs: readonly LogChunk[]): void {
    if (this.count >= logs.length) return;
    const frag = document.createDocumentFragment();
    for (let i = this.count; i < logs.length; i++) {
      const l = logLine(logs[i]!);
      frag.append(
        h('div', { className: 'log-line', attrs: { 'data-level': l.level } }, [
          h('span', { className: 'log-time', text: l.time }),
          h('span', { className: 'log-level', text: l.level }),
          h('span', { className: 'log-message', text: l.message }),
        ]),
      );
    }
    this.lines.append(frag);
    this.count = logs.length;
    this.panel.chunks = logs.length;
    if (this.panel.shown && this.panel.follow) this.panel.scrollToEnd();
  }

  /** Its tab was selected: nothing is filled lazily here. */
  shown(): void {}
}
