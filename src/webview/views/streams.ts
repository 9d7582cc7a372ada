import { isTerminal } from '../../shared/status';
import { h } from '../dom';
import type { PanelPrefs } from '../host';
import type { PanelState } from '../state';
import { LOG_STREAM_KEY } from '../../shared/streams';
import { LogsView } from './logs';
import { StreamView } from './stream';
import type { TabPanel } from './tabPanel';

interface Tabbed {
  readonly key: string;
  readonly panel: TabPanel;
  /** Its tab was selected. */
  shown(): void;
}

/**
 * Whether the tab of a stream that just appeared is shown: the first tab of all; a stream's tab rather than
 * Logs unless the reader chose Logs; and the tab that was active before a new snapshot rebuilt the tabs. Pure.
 */
export function showsAddedTab(active: string | undefined, readerChose: boolean, added: string): boolean {
  return active === undefined || active === added || (active === LOG_STREAM_KEY && added !== LOG_STREAM_KEY && !readerChose);
}

/** section#streams: #tabs (one button.tab per stream in order of appearance, Logs last) and the panels. */
export class StreamTabs {
  private readonly tabs = h('div', { id: 'tabs', className: 'tabs', attrs: { role: 'tablist' } });
  private readonly panels = h('div', { id: 'stream-panels' });
  readonly root = h('section', { id: 'streams' }, [this.tabs, this.panels]);
  private readonly streams = new Map<string, StreamView>();
  private logs: LogsView | undefined;
  private active: string | undefined;

  constructor(
    private readonly prefs: PanelPrefs,
    private readonly requestFrame: () => void,
  ) {
    this.active = prefs.activeTab;
  }

  render(state: PanelState): void {
    const logs = (this.logs ??= this.add(new LogsView(() => this.select(LOG_STREAM_KEY, true))));
    const terminal = !!state.run && isTerminal(state.run.status);
    for (const s of state.streams) {
      if (s.key === LOG_STREAM_KEY) continue; // logs come in state.logs
      let v = this.streams.get(s.key);
      if (!v) {
        const key = s.key;
        v = new StreamView(key, { prefs: this.prefs, select: () => this.select(key, true), requestFrame: this.requestFrame });
        this.streams.set(key, this.add(v));
      }
      v.render(s, terminal);
    }
    logs.render(state.logs);
  }

  /** A new snapshot: the tabs are built again (the active tab is kept). */
  reset(): void {
    for (const v of this.all()) {
      v.panel.tab.remove();
      v.panel.root.remove();
    }
    this.streams.clear();
    this.logs = undefined;
  }

  private add<T extends Tabbed>(v: T): T {
    // Logs stay the last tab.
    const logs = this.logs;
    if (logs && v.key !== LOG_STREAM_KEY) {
      this.tabs.insertBefore(v.panel.tab, logs.panel.tab);
      this.panels.insertBefore(v.panel.root, logs.panel.root);
    } else {
      this.tabs.append(v.panel.tab);
      this.panels.append(v.panel.root);
    }
    if (showsAddedTab(this.active, !!this.prefs.activeTab, v.key)) this.select(v.key, false, v);
    return v;
  }

  private *all(): Iterable<Tabbed> {
    if (this.logs) yield this.logs;
    yield* this.streams.values();
  }

  /** `added`: a view not yet in the maps. */
  private select(key: string, byReader: boolean, added?: Tabbed): void {
    this.active = key;
    if (byReader) this.prefs.chooseTab(key);
    for (const v of added ? [...this.all(), added] : this.all()) {
      const on = v.key === key;
      v.panel.setSelected(on);
      if (on) v.shown();
    }
  }
}
