import * as vscode from 'vscode';
import { PanelPersistedState } from '../../protocol/webview';
import { Disposable, toDisposable } from '../lifecycle';
import { RUN_PANEL_VIEW_TYPE, RunPanel, runPanelOptions, type RunPanelDeps } from './runPanel';

/** All open run panels, one per run id; restores them after a reload (WebviewPanelSerializer). */
export class RunPanels extends Disposable implements vscode.WebviewPanelSerializer<unknown> {
  private readonly panels = new Map<string, RunPanel>();

  constructor(private readonly deps: RunPanelDeps) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(RUN_PANEL_VIEW_TYPE, this));
    this._register(
      toDisposable(() => {
        for (const p of [...this.panels.values()]) p.dispose();
        this.panels.clear();
      }),
    );
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
    if (!parsed.success) {
      this.deps.log.warn('A run panel could not be restored (no run id in its state).');
      panel.dispose();
      return;
    }
    const existing = this.panels.get(parsed.data.runId);
    if (existing) {
      panel.dispose();
      existing.reveal(true);
      return;
    }
    this.adopt(panel, parsed.data.runId);
  }

  private adopt(panel: vscode.WebviewPanel, runId: string): RunPanel {
    const rp = new RunPanel(panel, runId, this.deps);
    this.panels.set(runId, rp);
    rp.onDidDispose(() => {
      if (this.panels.get(runId) === rp) this.panels.delete(runId);
    });
    return rp;
  }
}
