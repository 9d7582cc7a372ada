/**
 * Run panel webview. Receives `snapshot` / `delta` / `notice` messages from the host (HostToWebview),
 * keeps them in a pure reducer state (state.ts) and renders in requestAnimationFrame. Model text is
 * only ever inserted as text nodes; markdown goes through markdown.ts (tokens → allowed elements).
 *
 * DOM contract (stable; the browser e2e tests select these):
 *   body[data-run-status]                      the run's status (RunStatus) once known
 *   #run-status                                status label text; [data-status] = RunStatus
 *   #run-status-icon.codicon                   status codicon (codicon-loading + codicon-modifier-spin while executing)
 *   #run-task  #run-id  #run-tags .tag  #run-batch  #run-started  #run-finished  #run-duration  #run-attempt
 *   #btn-cancel  #btn-replay  #btn-copy-id     actions (Cancel is disabled once the run is finished)
 *   #notice[data-level]                        host notices (errors of cancel/replay, load failures)
 *   #progress .progress-bar[data-key="<metadata path>"]   one bar per detected progress value, with
 *       [role=progressbar][aria-valuenow=0..100]; inside: .progress-label, .progress-track > .progress-fill
 *       (style.width "NN%", aria-valuenow too), .progress-value ("42%" / "3 / 10")
 *   #metadata                                  live collapsible JSON of run.metadata (details.json-node[data-path])
 *   #tabs button.tab[data-tab="<key>"]         one tab per stream key, in order of appearance; "$logs" = Logs
 *   .stream[data-stream-key="<key>"]           a stream's panel; [data-mode=text|raw|rendered], [data-ended],
 *                                              [data-chunks] = number of chunks received, [hidden] unless active
 *       .stream-toolbar button.mode-btn[data-mode]   text / raw / rendered toggles;  button.follow-btn
 *       .stream-body                           the scroll container (auto-scroll follows the end until the
 *                                              user scrolls up; scrolling back to the bottom resumes it)
 *       pre.stream-text > span.text-seg        the text view: text appended as chunks arrive (always current),
 *                                              in segments of ~16k characters cut at line ends
 *       pre.stream-raw                         one JSON line per chunk (filled while raw is shown)
 *       div.stream-rendered                    sanitised markdown of the text (while rendered is shown):
 *         > .md-stable > .md-seg               finished blocks, rendered once (cut by mdblocks.ts)
 *         > .md-tail                           the rest, re-rendered as it grows
 *   .stream.logs[data-stream-key="$logs"] .log-line[data-level] > .log-time + .log-message
 *   #payload  #output  (JSON views)  #error-section > #error-message + #error-stack
 */
import type { HostToWebview, WebviewToHost } from '../protocol/webview';
import type { Run } from '../protocol/run';
import { formatDuration, runDurationMs } from '../shared/format';
import { STATUS_LOOK, isCancelable, isTerminal } from '../shared/status';
import { appendFor, rawLine } from './chunks';
import { h, jsonView, mdToDom } from './dom';
import { renderMarkdown, warmUpMarkdown } from './markdown';
import { stableMarkdownEnd } from './mdblocks';
import { detectProgress } from './progress';
import { isAtBottom } from './scroll';
import { initialState, reduce, type PanelState, type StreamState } from './state';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Mode = 'text' | 'raw' | 'rendered';
interface Persisted {
  runId?: string;
  activeTab?: string;
  modes?: Record<string, Mode>;
}

const LOGS = '$logs';
const MARKDOWN_EVERY_MS = 120;
/** Characters per segment of the text view before it is cut at the next line end. */
const TEXT_SEGMENT_CHARS = 16_384;

const vscode = acquireVsCodeApi();
const persisted: Persisted = (vscode.getState() as Persisted | undefined) ?? {};
const runIdFromPage = document.body.dataset.runId;

let state: PanelState = initialState;
let rendered: PanelState | undefined;
let frame = 0;

function send(m: WebviewToHost): void {
  vscode.postMessage(m);
}

function persist(): void {
  vscode.setState({ ...persisted, runId: state.runId ?? runIdFromPage });
}

// ---------------------------------------------------------------- layout

const el = {
  statusIcon: h('span', { id: 'run-status-icon', className: 'codicon codicon-history', attrs: { 'aria-hidden': 'true' } }),
  task: h('h1', { id: 'run-task', text: 'Run' }),
  status: h('span', { id: 'run-status', className: 'status-label', text: 'Loading…' }),
  id: h('code', { id: 'run-id', text: runIdFromPage ?? '' }),
  tags: h('span', { id: 'run-tags' }),
  batch: h('span', { id: 'run-batch' }),
  started: h('span', { id: 'run-started' }),
  finished: h('span', { id: 'run-finished' }),
  duration: h('span', { id: 'run-duration' }),
  attempt: h('span', { id: 'run-attempt' }),
  cancel: h('button', { id: 'btn-cancel', className: 'btn', attrs: { type: 'button', title: 'Cancel this run' } }, [icon('circle-slash'), ' Cancel']),
  replay: h('button', { id: 'btn-replay', className: 'btn', attrs: { type: 'button', title: 'Run again with the same payload' } }, [icon('debug-rerun'), ' Replay']),
  copyId: h('button', { id: 'btn-copy-id', className: 'btn secondary', attrs: { type: 'button', title: 'Copy the run id' } }, [icon('copy')]),
  notice: h('div', { id: 'notice', attrs: { role: 'status', hidden: '' } }),
  progress: h('section', { id: 'progress', attrs: { 'aria-label': 'Progress' } }),
  tabs: h('div', { id: 'tabs', className: 'tabs', attrs: { role: 'tablist' } }),
  panels: h('div', { id: 'stream-panels' }),
  metadataSection: h('details', { id: 'metadata-section', className: 'section', attrs: { open: '' } }),
  metadata: h('div', { id: 'metadata', className: 'json-view' }),
  payload: h('div', { id: 'payload', className: 'json-view' }),
  output: h('div', { id: 'output', className: 'json-view' }),
  outputSection: h('details', { id: 'output-section', className: 'section', attrs: { open: '' } }),
  errorSection: h('details', { id: 'error-section', className: 'section error', attrs: { open: '', hidden: '' } }),
  errorMessage: h('pre', { id: 'error-message' }),
  errorStack: h('pre', { id: 'error-stack' }),
};

function icon(name: string): HTMLElement {
  return h('span', { className: `codicon codicon-${name}`, attrs: { 'aria-hidden': 'true' } });
}

function metaItem(label: string, value: HTMLElement): HTMLElement {
  return h('span', { className: 'meta-item' }, [h('span', { className: 'meta-label', text: label }), value]);
}

function layout(): void {
  const app = document.getElementById('app')!;
  app.replaceChildren(
    h('header', { id: 'run-header' }, [
      h('div', { className: 'title-row' }, [el.statusIcon, el.task, el.status, h('span', { className: 'spacer' }), el.cancel, el.replay, el.copyId]),
      h('div', { className: 'meta' }, [
        metaItem('id', el.id),
        metaItem('tags', el.tags),
        metaItem('batch', el.batch),
        metaItem('started', el.started),
        metaItem('finished', el.finished),
        metaItem('duration', el.duration),
        metaItem('attempt', el.attempt),
      ]),
    ]),
    el.notice,
    el.progress,
    h('section', { id: 'streams' }, [el.tabs, el.panels]),
    withSummary(el.metadataSection, 'Metadata', el.metadata),
    withSummary(h('details', { id: 'payload-section', className: 'section' }), 'Payload', el.payload),
    withSummary(el.outputSection, 'Output', el.output),
    withSummary(el.errorSection, 'Error', h('div', {}, [el.errorMessage, el.errorStack])),
  );
  el.cancel.addEventListener('click', () => send({ type: 'cancel' }));
  el.replay.addEventListener('click', () => send({ type: 'replay' }));
  el.copyId.addEventListener('click', () => send({ type: 'copyId' }));
}

function withSummary(details: HTMLDetailsElement, title: string, body: HTMLElement): HTMLDetailsElement {
  details.append(h('summary', { text: title }), body);
  return details;
}

// ---------------------------------------------------------------- streams

interface StreamView {
  key: string;
  tab: HTMLButtonElement;
  root: HTMLElement;
  body: HTMLElement;
  /** The text view: a <pre> of segments (see appendText); `text` is the last segment's text node. */
  pre?: HTMLElement;
  text?: Text;
  raw?: HTMLElement;
  rendered?: HTMLElement;
  /**
   * Rendered view: finished markdown blocks are in `mdStable`; `mdPending`, the text after the last cut (see
   * mdblocks.ts), is rendered into `mdTail`. The whole text is never held as one string: slicing a long,
   * growing string copies all of it, every frame.
   */
  mdStable?: HTMLElement;
  mdTail?: HTMLElement;
  mdPending: string;
  logLines?: HTMLElement;
  stateLabel?: HTMLElement;
  /** Items already appended to the text view / raw view. */
  textCount: number;
  rawCount: number;
  /** The last character of the text so far (how the next chunk joins it). */
  lastChar: string;
  markdownDirty: boolean;
  markdownAt: number;
  follow: boolean;
  followBtn: HTMLButtonElement;
}

const views = new Map<string, StreamView>();
let activeTab: string | undefined = persisted.activeTab;
const collapsedJson = new Set<string>();

function modeOf(key: string): Mode {
  return persisted.modes?.[key] ?? 'text';
}

function makeView(key: string): StreamView {
  const isLogs = key === LOGS;
  const label = isLogs ? 'Logs' : key;
  const tab = h('button', { className: 'tab', attrs: { type: 'button', role: 'tab', 'data-tab': key, 'aria-selected': 'false' } }, [
    icon(isLogs ? 'output' : 'symbol-string'),
    ` ${label}`,
  ]);
  tab.addEventListener('click', () => selectTab(key));
  const body = h('div', { className: 'stream-body', attrs: { tabindex: '0' } });
  const followBtn = h('button', { className: 'btn secondary follow-btn', attrs: { type: 'button', title: 'Follow the end', hidden: '' } }, [
    icon('arrow-down'),
    ' Follow',
  ]);
  const root = h('div', {
    className: isLogs ? 'stream logs' : 'stream',
    attrs: { role: 'tabpanel', 'data-stream-key': key, 'data-mode': isLogs ? 'text' : modeOf(key), 'data-chunks': '0', hidden: '' },
  });
  const v: StreamView = { key, tab, root, body, textCount: 0, rawCount: 0, lastChar: '', mdPending: '', markdownDirty: false, markdownAt: 0, follow: true, followBtn };
  const toolbar = h('div', { className: 'stream-toolbar' });
  if (!isLogs) {
    for (const [mode, title, ic] of [
      ['text', 'Text', 'whitespace'],
      ['raw', 'Raw chunks (JSON)', 'json'],
      ['rendered', 'Rendered markdown', 'markdown'],
    ] as const) {
      const b = h('button', { className: 'btn secondary mode-btn', attrs: { type: 'button', 'data-mode': mode, title, 'aria-pressed': String(modeOf(key) === mode) } }, [
        icon(ic),
        ` ${mode}`,
      ]);
      b.addEventListener('click', () => setMode(v, mode));
      toolbar.append(b);
    }
    v.stateLabel = h('span', { className: 'stream-state', text: 'streaming' });
    toolbar.append(v.stateLabel);
    const pre = h('pre', { className: 'stream-text' });
    v.pre = pre;
    v.text = document.createTextNode('');
    pre.append(h('span', { className: 'text-seg' }, [v.text]));
    v.raw = h('pre', { className: 'stream-raw' });
    v.mdStable = h('div', { className: 'md-stable' });
    v.mdTail = h('div', { className: 'md-tail' });
    v.rendered = h('div', { className: 'stream-rendered markdown' }, [v.mdStable, v.mdTail]);
    body.append(pre, v.raw, v.rendered);
  } else {
    v.logLines = h('div', { className: 'log-lines' });
    body.append(v.logLines);
  }
  toolbar.append(h('span', { className: 'spacer' }), followBtn);
  followBtn.addEventListener('click', () => {
    v.follow = true;
    followBtn.hidden = true;
    body.scrollTop = body.scrollHeight;
  });
  body.addEventListener('scroll', () => {
    v.follow = isAtBottom(body);
    followBtn.hidden = v.follow;
  });
  root.append(toolbar, body);
  return v;
}

function ensureView(key: string): StreamView {
  let v = views.get(key);
  if (v) return v;
  v = makeView(key);
  views.set(key, v);
  // Logs stay the last tab.
  const logs = views.get(LOGS);
  if (key !== LOGS && logs) {
    el.tabs.insertBefore(v.tab, logs.tab);
    el.panels.insertBefore(v.root, logs.root);
  } else {
    el.tabs.append(v.tab);
    el.panels.append(v.root);
  }
  if (activeTab === undefined || (activeTab === LOGS && key !== LOGS && !persisted.activeTab)) selectTab(key, false);
  else if (activeTab === key) selectTab(key, false);
  return v;
}

function selectTab(key: string, byUser = true): void {
  activeTab = key;
  if (byUser) {
    persisted.activeTab = key;
    persist();
  }
  for (const v of views.values()) {
    const on = v.key === key;
    v.tab.setAttribute('aria-selected', String(on));
    v.tab.classList.toggle('active', on);
    v.root.hidden = !on;
    if (on) catchUpHidden(v);
  }
}

function setMode(v: StreamView, mode: Mode): void {
  persisted.modes = { ...persisted.modes, [v.key]: mode };
  persist();
  v.root.dataset.mode = mode;
  for (const b of v.root.querySelectorAll<HTMLButtonElement>('.mode-btn')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  v.markdownDirty = true;
  v.markdownAt = 0;
  catchUpHidden(v);
}

/** Raw and rendered views are only filled while shown. */
function catchUpHidden(v: StreamView): void {
  const s = state.streams.find((x) => x.key === v.key);
  if (!s) return;
  const mode = v.root.dataset.mode as Mode;
  if (mode === 'raw' && v.raw) appendRaw(v, s);
  if (mode === 'rendered') renderMd(v, true);
  if (v.follow) v.body.scrollTop = v.body.scrollHeight;
}

function appendRaw(v: StreamView, s: StreamState): void {
  if (!v.raw || v.rawCount >= s.items.length) return;
  let chunk = '';
  for (let i = v.rawCount; i < s.items.length; i++) chunk += `${rawLine(s.items[i]!)}\n`;
  v.raw.append(document.createTextNode(chunk));
  v.rawCount = s.items.length;
}

function renderMd(v: StreamView, force = false): void {
  if (!v.rendered || (!v.markdownDirty && !force)) return;
  const now = performance.now();
  if (!force && now - v.markdownAt < MARKDOWN_EVERY_MS) {
    schedule(); // try again on a later frame
    return;
  }
  v.markdownAt = now;
  v.markdownDirty = false;
  const end = stableMarkdownEnd(v.mdPending);
  if (end > 0 && v.mdStable) {
    const seg = h('div', { className: 'md-seg' });
    mdToDom(renderMarkdown(v.mdPending.slice(0, end)), seg);
    v.mdStable.append(seg);
    v.mdPending = v.mdPending.slice(end);
  }
  const frag = document.createDocumentFragment();
  mdToDom(renderMarkdown(v.mdPending), frag);
  v.mdTail?.replaceChildren(frag);
}

/**
 * Appends to the text view. A long text is kept in block segments cut at line ends, so appending lays out
 * only the last segment, and segments out of sight are skipped by the browser (content-visibility).
 */
function appendText(v: StreamView, add: string): void {
  if (!v.text || !v.pre) return;
  const cut = v.text.length >= TEXT_SEGMENT_CHARS ? add.lastIndexOf('\n') : -1;
  if (cut < 0) {
    v.text.appendData(add);
    return;
  }
  v.text.appendData(add.slice(0, cut + 1));
  v.text.parentElement?.classList.add('done');
  v.text = document.createTextNode(add.slice(cut + 1));
  v.pre.append(h('span', { className: 'text-seg' }, [v.text]));
}

function renderStream(s: StreamState): void {
  const v = ensureView(s.key);
  const wasAtEnd = v.follow;
  if (v.textCount < s.items.length && v.text) {
    let add = '';
    let tail = v.lastChar;
    for (let i = v.textCount; i < s.items.length; i++) {
      const piece = appendFor(tail, s.items[i]!);
      add += piece;
      if (piece) tail = piece.slice(-1);
    }
    appendText(v, add);
    v.lastChar = tail;
    v.mdPending += add;
    v.textCount = s.items.length;
    v.markdownDirty = true;
  }
  v.root.dataset.chunks = String(s.base + s.items.length);
  if (s.ended) v.root.dataset.ended = 'true';
  if (v.stateLabel) v.stateLabel.textContent = s.ended ? 'ended' : state.run && isTerminal(state.run.status) ? 'finishing' : 'streaming';
  if (!v.root.hidden) {
    const mode = v.root.dataset.mode as Mode;
    if (mode === 'raw') appendRaw(v, s);
    else if (mode === 'rendered') renderMd(v);
    if (wasAtEnd) v.body.scrollTop = v.body.scrollHeight;
  }
}

function renderLogs(): void {
  const v = ensureView(LOGS);
  if (!v.logLines || v.textCount >= state.logs.length) return;
  const frag = document.createDocumentFragment();
  for (let i = v.textCount; i < state.logs.length; i++) {
    const l = state.logs[i]!;
    const time = l.time ? new Date(l.time).toLocaleTimeString() : '';
    frag.append(
      h('div', { className: 'log-line', attrs: { 'data-level': l.level } }, [
        h('span', { className: 'log-time', text: time }),
        h('span', { className: 'log-level', text: l.level }),
        h('span', { className: 'log-message', text: l.message }),
      ]),
    );
  }
  v.logLines.append(frag);
  v.textCount = state.logs.length;
  v.root.dataset.chunks = String(state.logs.length);
  if (!v.root.hidden && v.follow) v.body.scrollTop = v.body.scrollHeight;
}

// ---------------------------------------------------------------- header, progress, JSON

function fmtTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

function fmtDuration(run: Run): string {
  return formatDuration(runDurationMs(run, Date.now()) ?? Number.NaN) || '—';
}

function renderHeader(run: Run): void {
  const look = STATUS_LOOK[run.status];
  const spin = look.codicon.endsWith('~spin');
  el.statusIcon.className = `codicon codicon-${look.codicon.replace('~spin', '')}${spin ? ' codicon-modifier-spin' : ''}`;
  el.statusIcon.style.color = look.color ? `var(--vscode-${look.color.replace(/\./g, '-')})` : '';
  el.status.textContent = look.label;
  el.status.dataset.status = run.status;
  document.body.dataset.runStatus = run.status;
  el.task.textContent = run.taskIdentifier;
  el.id.textContent = run.id;
  el.tags.replaceChildren(...(run.tags.length ? run.tags.map((t) => h('span', { className: 'tag', text: t })) : [document.createTextNode('—')]));
  el.batch.textContent = run.batchId ?? '—';
  el.started.textContent = fmtTime(run.startedAt);
  el.finished.textContent = fmtTime(run.finishedAt);
  el.duration.textContent = fmtDuration(run);
  el.attempt.textContent = String(run.attemptCount || '—');
  el.cancel.disabled = !isCancelable(run.status);
  document.title = `${run.taskIdentifier} · ${look.label}`;
}

function renderProgress(metadata: unknown): void {
  const bars = detectProgress(metadata);
  const seen = new Set<string>();
  for (const b of bars) {
    seen.add(b.key);
    let bar = el.progress.querySelector<HTMLElement>(`.progress-bar[data-key="${CSS.escape(b.key)}"]`);
    if (!bar) {
      bar = h('div', {
        className: 'progress-bar',
        attrs: { 'data-key': b.key, role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': b.key },
      }, [
        h('span', { className: 'progress-label', text: b.key }),
        h('div', { className: 'progress-track' }, [h('div', { className: 'progress-fill' })]),
        h('span', { className: 'progress-value' }),
      ]);
      el.progress.append(bar);
    }
    const pct = Math.round(b.value * 1000) / 10;
    const fill = bar.querySelector<HTMLElement>('.progress-fill')!;
    fill.style.width = `${pct}%`;
    fill.setAttribute('aria-valuenow', String(pct));
    bar.setAttribute('aria-valuenow', String(pct));
    bar.querySelector('.progress-value')!.textContent = b.text;
  }
  for (const bar of [...el.progress.querySelectorAll<HTMLElement>('.progress-bar')]) if (!seen.has(bar.dataset.key ?? '')) bar.remove();
  el.progress.hidden = bars.length === 0;
}

const jsonShown = new Map<HTMLElement, string>();
function renderJson(target: HTMLElement, value: unknown, empty: string): void {
  const text = value === undefined ? `none:${empty}` : JSON.stringify(value);
  if (jsonShown.get(target) === text) return;
  jsonShown.set(target, text);
  target.replaceChildren(value === undefined ? h('span', { className: 'json-none', text: empty }) : jsonView(value, collapsedJson, `$${target.id}`));
}

function renderNotice(): void {
  const n = state.notice;
  el.notice.hidden = !n;
  if (n) {
    el.notice.dataset.level = n.level;
    el.notice.textContent = n.message;
  }
}

// ---------------------------------------------------------------- render loop

function resetViews(): void {
  for (const v of views.values()) {
    v.tab.remove();
    v.root.remove();
  }
  views.clear();
  jsonShown.clear();
}

function render(): void {
  frame = 0;
  const prev = rendered;
  rendered = state;
  if (!prev || prev.epoch !== state.epoch) resetViews();
  if (state.notice !== prev?.notice) renderNotice();
  const run = state.run;
  if (run && run !== prev?.run) {
    renderHeader(run);
    renderProgress(run.metadata);
    renderJson(el.metadata, run.metadata ?? {}, '');
    renderJson(el.payload, run.payload, 'no payload');
    renderJson(el.output, run.output, isTerminal(run.status) ? 'no output' : 'not finished yet');
    el.errorSection.hidden = !run.error;
    el.errorMessage.textContent = run.error ? `${run.error.name ? `${run.error.name}: ` : ''}${run.error.message}` : '';
    el.errorStack.textContent = run.error?.stackTrace ?? '';
  }
  if (prev?.epoch !== state.epoch) ensureView(LOGS);
  for (const s of state.streams) renderStream(s);
  renderLogs();
}

function schedule(): void {
  if (!frame) frame = requestAnimationFrame(render);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data as HostToWebview | undefined;
  if (!msg || typeof msg !== 'object' || !('type' in msg)) return;
  if (msg.type !== 'snapshot' && msg.type !== 'delta' && msg.type !== 'notice') return;
  try {
    state = reduce(state, msg);
    if (msg.type === 'snapshot') persist();
    schedule();
  } catch (err) {
    send({ type: 'error', message: String(err instanceof Error ? (err.stack ?? err.message) : err).slice(0, 4000) });
  }
});

window.addEventListener('error', (e) => send({ type: 'error', message: String(e.message).slice(0, 4000) }));

// Live duration of a running run.
setInterval(() => {
  const run = state.run;
  if (run && !isTerminal(run.status) && run.startedAt) el.duration.textContent = fmtDuration(run);
}, 1000);

layout();
persist();
send({ type: 'ready' });
requestIdleCallback(() => warmUpMarkdown(), { timeout: 2000 });
