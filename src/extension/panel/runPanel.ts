import * as vscode from 'vscode';
import { LOG_STREAM_KEY } from '../../shared/streams';
import { WebviewToHost, type HostToWebview, type PanelNotice } from '../../protocol/webview';
import { Coalescer, realTimers } from '../coalescer';
import type { EngineManager } from '../engine/engineManager';
import { Disposable, toDisposable } from '../lifecycle';
import type { RunStore } from '../runs/runStore';
import { statusLook } from '../../shared/status';
import { makeNonce, renderPanelHtml } from './html';
import { PANEL_DELTA_MS, RunPanelModel, childRunsOf } from './panelModel';
import { RunStreams } from './runStreams';
import { describeError } from '../../shared/errors';
import { workspaceFile } from './sourcePath';
import { runPartText } from './runParts';
import { TimelineSync } from './timelineSync';

export const RUN_PANEL_VIEW_TYPE = 'runlight.run';

export interface RunPanelDeps {
  engine: EngineManager;
  store: RunStore;
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
}

/** The webview options of every run panel: scripts on, resources only from the built webview + media. */
export function runPanelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * One run's webview panel. The host keeps the state (RunPanelModel) and follows the run's streams; the
 * webview gets a snapshot whenever it says `ready` (first load, and again after it was hidden and
 * recreated), then deltas while it is visible: the first change after a quiet spell at once, then at most
 * one per PANEL_DELTA_MS.
 */
export class RunPanel extends Disposable {
  readonly model: RunPanelModel;
  private readonly streams: RunStreams;
  private readonly deltas: Coalescer;
  private ready = false;
  private detached = false;
  /** The engine connection the streams follow. */
  private generation: number | undefined;
  private pendingNotice: PanelNotice | undefined;
  private readonly timeline: TimelineSync;
  private timelineWarned = false;
  private readonly _onDidDispose = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this._onDidDispose.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly runId: string,
    private readonly deps: RunPanelDeps,
  ) {
    super();
    this.model = new RunPanelModel(runId);
    this.deltas = this._register(new Coalescer(PANEL_DELTA_MS, () => this.flush(), realTimers, { leading: true }));
    this.streams = this._register(new RunStreams(runId, this.model, () => this.deltas.schedule(), deps.log));
    this.streams.ensure(LOG_STREAM_KEY);
    this.timeline = new TimelineSync(
      async () => (await deps.engine.ensureStarted()).client.runTimeline(runId),
      (t) => {
        if (this.model.setTimeline(t)) this.deltas.schedule();
      },
      (err) => {
        // An engine without the route (an older remote one): the strip shows what the run object says.
        if (!this.timelineWarned) deps.log.warn(`Run panel ${runId}: no timeline from the engine: ${describeError(err)}`);
        this.timelineWarned = true;
      },
    );
    this._register(toDisposable(() => this.timeline.dispose()));

    panel.webview.options = runPanelOptions(deps.extensionUri);
    // A tab icon is an image: `currentColor` would be black on a dark theme, so one file per theme kind.
    panel.iconPath = {
      light: vscode.Uri.joinPath(deps.extensionUri, 'media', 'runlight-light.svg'),
      dark: vscode.Uri.joinPath(deps.extensionUri, 'media', 'runlight-dark.svg'),
    };
    panel.webview.html = this.html();

    this._register(panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)));
    this._register(
      panel.onDidChangeViewState(() => {
        // A hidden webview is destroyed (no retainContextWhenHidden); it says `ready` again when shown.
        if (!panel.visible) this.ready = false;
      }),
    );
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(
      deps.store.onDidChange((changes) => {
        let children = false;
        for (const c of changes) {
          if (c.run.id === runId) this.onRun(c.run);
          if (c.run.parentTaskRunId === runId || c.previous?.parentTaskRunId === runId) children = true;
        }
        if (children) this.updateChildren();
      }),
    );
    this._register(
      deps.engine.onDidChangeState((s) => {
        if (s.kind === 'running') {
          if (deps.engine.current?.generation !== this.generation) void this.connect();
        } else if (s.kind !== 'error') {
          this.generation = undefined;
          this.streams.setClient(undefined);
        }
      }),
    );
    this._register(toDisposable(() => this._onDidDispose.fire()));

    const known = deps.store.get(runId);
    if (known) this.onRun(known);
    this.updateChildren();
    void this.connect();
  }

  private html(): string {
    const w = this.panel.webview;
    const base = this.deps.extensionUri;
    return renderPanelHtml({
      cspSource: w.cspSource,
      nonce: makeNonce(),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(base, 'dist', 'webview', 'main.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(base, 'media', 'panel.css')).toString(),
      codiconsUri: w.asWebviewUri(vscode.Uri.joinPath(base, 'media', 'codicons', 'codicon.css')).toString(),
      runId: this.runId,
      title: `Run ${this.runId}`,
      workspaceRoot: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    });
  }

  private async connect(): Promise<void> {
    try {
      const conn = await this.deps.engine.ensureStarted();
      if (this.isDisposed) return;
      if (conn.generation !== this.generation) {
        this.generation = conn.generation;
        this.streams.setClient(conn.client);
      }
      const run = await conn.client.retrieveRun(this.runId);
      if (this.isDisposed) return;
      this.deps.store.upsert([run]);
      this.onRun(this.deps.store.get(this.runId) ?? run);
      this.timeline.reload();
    } catch (err) {
      if (this.isDisposed) return;
      this.notice({ level: 'error', message: `Cannot load run ${this.runId}: ${describeError(err)}` });
    }
  }

  private onRun(run: Parameters<RunPanelModel['setRun']>[0]): void {
    this.model.setRun(run);
    this.timeline.runChanged(run);
    for (const key of run.realtimeStreams) this.streams.ensure(key);
    this.panel.title = `${run.taskIdentifier} · ${statusLook(run.status).label}`;
    this.deltas.schedule();
  }

  /** The runs triggered from inside this one, as the host's store has them (live from the workspace feed). */
  private updateChildren(): void {
    if (this.model.setChildren(childRunsOf(this.deps.store.all(), this.runId))) this.deltas.schedule();
  }

  notice(notice: PanelNotice): void {
    if (this.ready) void this.post({ type: 'notice', notice });
    else this.pendingNotice = notice;
  }

  reveal(preserveFocus = false): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  private onMessage(raw: unknown): void {
    const parsed = WebviewToHost.safeParse(raw);
    if (!parsed.success) {
      this.deps.log.warn(`Run panel ${this.runId}: ignored a malformed message.`);
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'ready': {
        this.ready = true;
        const notice = this.pendingNotice;
        this.pendingNotice = undefined;
        void this.post(this.model.snapshot(notice));
        break;
      }
      case 'cancel':
        void vscode.commands.executeCommand('runlight.cancelRun', this.runId);
        break;
      case 'replay':
        void vscode.commands.executeCommand('runlight.replayRun', this.runId);
        break;
      case 'debugReplay':
        void vscode.commands.executeCommand('runlight.debugReplay', this.runId);
        break;
      case 'replayEdited':
        void vscode.commands.executeCommand('runlight.replayWithEditedPayload', this.runId);
        break;
      case 'copyId':
        void vscode.commands.executeCommand('runlight.copyRunId', this.runId);
        break;
      case 'openRun':
        // Only a run this panel listed: the webview does not get to open anything else.
        if (this.model.childRuns.runs.some((r) => r.id === msg.runId)) void vscode.commands.executeCommand('runlight.openRun', msg.runId);
        break;
      case 'valueAction':
        void this.valueAction(msg.action, msg.part);
        break;
      case 'openSource':
        void openSource(msg, this.deps.log);
        break;
      case 'completeToken':
        void vscode.commands.executeCommand('runlight.completeWaitToken', { runId: this.runId });
        break;
      case 'error':
        this.deps.log.warn(`Run panel ${this.runId} (webview): ${msg.message}`);
        break;
    }
  }

  /** Copies a part of the run, or opens it in a new editor beside the panel. */
  private async valueAction(action: 'copy' | 'open', part: 'payload' | 'output' | 'metadata' | 'error'): Promise<void> {
    const run = this.deps.store.get(this.runId);
    const value = run ? runPartText(run, part) : undefined;
    if (!value) {
      void vscode.window.showInformationMessage(`Runlight: run ${this.runId} has no ${part}.`);
      return;
    }
    if (action === 'copy') {
      await vscode.env.clipboard.writeText(value.text);
      vscode.window.setStatusBarMessage(`$(copy) Copied the ${part} of ${this.runId}`, 3000);
      return;
    }
    const doc = await vscode.workspace.openTextDocument({ language: value.language, content: value.text });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }

  private flush(): void {
    if (!this.ready || !this.panel.visible) return;
    const delta = this.model.takeDelta();
    if (delta) void this.post(delta);
  }

  private async post(message: HostToWebview): Promise<void> {
    try {
      const delivered = await this.panel.webview.postMessage(message);
      // Lost (the webview is gone or reloading): it will say `ready` again and get a full snapshot.
      if (!delivered) this.ready = false;
    } catch {
      this.ready = false;
    }
  }

  /** Stops following the run but leaves the webview panel open (window reload: VS Code restores it). */
  detach(): void {
    this.detached = true;
    this.dispose();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    if (!this.detached) this.panel.dispose();
  }
}

/** Opens the place a stack link of the webview names, if the file is in the workspace (see `workspaceFile`). */
async function openSource(at: { file: string; line: number; column: number }, log: vscode.LogOutputChannel): Promise<void> {
  const file = workspaceFile(
    at.file,
    (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
  );
  if (!file) {
    log.warn(`Run panel: not opening ${at.file}: it is not a file of the workspace.`);
    return;
  }
  const pos = new vscode.Position(at.line - 1, at.column - 1);
  try {
    await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.Beside });
  } catch (err) {
    void vscode.window.showErrorMessage(`Runlight: could not open ${file}: ${describeError(err)}`);
  }
}
