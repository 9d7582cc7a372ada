import * as vscode from 'vscode';
import { PanelPersistedState } from '../../protocol/webview';
import { Disposable, toDisposable } from '../lifecycle';
import { RUN_PANEL_VIEW_TYPE, RunPanel, runPanelOptions, type RunPanelDeps } from './runPanel';

const OPEN_KEY = 'runlight.openPanels';

/** All open run panels, one per run id; restores them after a reload (WebviewPanelSerializer). */
export class RunPanels extends Disposable implements vscode.WebviewPanelSerializer<unknown> {
  private readonly panels = new Map<string, RunPanel>();
  private shuttingDown = false;

  /**
   * @param memento where the run ids of open panels are remembered: the fallback for a panel whose
   *   webview never ran (a background tab) and so never stored its run id with `setState`.
   */
  constructor(
    private readonly deps: RunPanelDeps,
    private readonly memento?: vscode.Memento,
  ) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, this));
    this._register(
      toDisposable(() => {
        // Window closing or reloading: keep the panels (VS Code restores them) and what we remember.
        this.shuttingDown = true;
        for (const p of [...this.panels.values()]) p.detach();
        this.panels.clear();
      }),
    );
  }

  private remembered(): string[] {
    return this.memento?.get<string[]>(OPEN_KEY, []) ?? [];
  }

  private remember(): void {
    if (!this.shuttingDown) void this.memento?.update(OPEN_KEY, [...this.panels.keys()]);
  }

  openIds(): string[] {
    return [...this.panels.keys()];
  }

  get(runId: string): RunPanel | undefined {
    return this.panels.get(runId);
  }

  open(runId: string, options: { preserveFocus?: boolean } = {}): RunPanel {
    const existing = this.panels.get(runId);
    if (existing) {
      existing.reveal(options.preserveFocus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      RUN_PANEL_VIEW_TYPE,
      `Run ${runId}`,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: options.preserveFocus },
      runPanelOptions(this.deps.extensionUri),
    );
    return this.adopt(panel, runId);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const parsed = PanelPersistedState.safeParse(state);
    const runId = parsed.success ? parsed.data.runId : this.remembered().find((id) => !this.panels.has(id));
    if (!runId) {
      this.deps.log.warn('A run panel could not be restored (no run id in its state).');
      panel.dispose();
      return;
    }
    const existing = this.panels.get(runId);
    if (existing) {
      panel.dispose();
      existing.reveal(true);
      return;
    }
    this.adopt(panel, runId);
  }

  private adopt(panel: vscode.WebviewPanel, runId: string): RunPanel {
    const rp = new RunPanel(panel, runId, this.deps);
    this.panels.set(runId, rp);
    this.remember();
    rp.onDidDispose(() => {
      if (this.panels.get(runId) !== rp) return;
      this.panels.delete(runId);
      this.remember();
    });
    return rp;
  }
}
