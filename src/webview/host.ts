import type { WebviewApi } from 'vscode-webview';
import type { HostToWebview, PanelPersistedState, WebviewToHost } from '../protocol/webview';

/**
 * The webview's side of VS Code's webview API: messages to the host, messages from it, and the state kept
 * with `setState` — the run id, which the host's panel serializer
 * reads back after a reload, and the reader's choices (tab, stream modes).
 */

export type StreamMode = 'text' | 'raw' | 'rendered';
const MODES: readonly string[] = ['text', 'raw', 'rendered'] satisfies StreamMode[];

export interface PersistedState extends Partial<PanelPersistedState> {
  /** The tab the reader chose (never one picked automatically). */
  activeTab?: string;
  modes?: Record<string, StreamMode>;
}

/** What the reader chose, for the views; kept across reloads. */
export interface PanelPrefs {
  readonly activeTab: string | undefined;
  modeOf(key: string): StreamMode;
  chooseTab(key: string): void;
  chooseMode(key: string, mode: StreamMode): void;
}

/** Error text for the host's log (the protocol allows 4000 characters). */
export function errorMessage(err: unknown): string {
  return String(err instanceof Error ? (err.stack ?? err.message) : err).slice(0, 4000);
}

/** A stored state as far as it is well formed (it may come from an older version of the panel). */
export function readPersisted(raw: unknown): PersistedState {
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const out: PersistedState = {};
  if (typeof r.runId === 'string' && r.runId) out.runId = r.runId;
  if (typeof r.activeTab === 'string') out.activeTab = r.activeTab;
  if (typeof r.modes === 'object' && r.modes !== null) {
    const modes: Record<string, StreamMode> = {};
    for (const [k, v] of Object.entries(r.modes)) if (typeof v === 'string' && MODES.includes(v)) modes[k] = v as StreamMode;
    out.modes = modes;
  }
  return out;
}

export type Received =
  | { kind: 'message'; message: HostToWebview }
  /** Not a message of the host's protocol. */
  | { kind: 'ignored' };

const HOST_TYPES: readonly unknown[] = ['snapshot', 'delta', 'notice'] satisfies HostToWebview['type'][];

export function parseHostMessage(data: unknown): Received {
  if (typeof data !== 'object' || data === null || !HOST_TYPES.includes((data as { type?: unknown }).type)) return { kind: 'ignored' };
  return { kind: 'message', message: data as HostToWebview };
}

export class HostBridge implements PanelPrefs {
  private readonly prefs: PersistedState;
  private runId: string | undefined;

  constructor(
    private readonly api: WebviewApi<PersistedState>,
    /** The run id the host wrote into the page (body[data-run-id]). */
    private readonly pageRunId: string | undefined,
  ) {
    this.prefs = readPersisted(api.getState());
  }

  send(message: WebviewToHost): void {
    this.api.postMessage(message);
  }

  reportError(err: unknown): void {
    this.send({ type: 'error', message: errorMessage(err) });
  }

  /** The run of the latest snapshot; stored at once for the serializer. */
  setRunId(runId: string | undefined): void {
    this.runId = runId;
    this.save();
  }

  save(): void {
    this.api.setState({ ...this.prefs, runId: this.runId ?? this.pageRunId });
  }

  get activeTab(): string | undefined {
    return this.prefs.activeTab;
  }

  modeOf(key: string): StreamMode {
    return this.prefs.modes?.[key] ?? 'text';
  }

  chooseTab(key: string): void {
    this.prefs.activeTab = key;
    this.save();
  }

  chooseMode(key: string, mode: StreamMode): void {
    this.prefs.modes = { ...this.prefs.modes, [key]: mode };
    this.save();
  }
}
