/**
 * The run panel: one state (state.ts, updated by the host's `snapshot` / `delta` / `notice` messages) and the
 * views that show it, rendered together in an animation frame however many messages came since the last one.
 * Model text is only ever inserted as text nodes; markdown goes through markdown.ts (tokens → allowed elements).
 *
 * DOM contract (stable; the browser e2e tests select these):
 *   body[data-run-status]                      the run's status (RunStatus) once known
 *   #run-status                                status label text; [data-status] = RunStatus
 *   #run-status-icon.codicon                   status codicon (codicon-loading + codicon-modifier-spin while executing)
 *   #run-task  #run-id  #run-tags .tag  #run-batch  #run-started  #run-finished  #run-duration  #run-attempt
 *   #btn-cancel  #btn-replay  #btn-replay-edited  #btn-debug-replay  #btn-copy-id
 *                                              actions (Cancel is disabled once the run is finished)
 *   #run-waiting[data-kind=token|runs|time]    shown while WAITING: #run-waiting-for says on what; #btn-complete-token
 *                                              (only for a token) asks the host to complete it (Complete Wait Token…)
 *   #timeline svg.timeline-svg                 the timeline strip: attempts, waits, child runs and log marks on one
 *                                              time axis, live (see views/timeline.ts for its parts)
 *   #children > h2 + ul > li.child-run[data-run-id][data-status] > button.child-open   the runs triggered from
 *                                              inside this one, live (hidden while none); a click opens its panel
 *   #notice[data-level]                        host notices (errors of cancel/replay, load failures)
 *   #truncated-note[hidden]                    shown when the host dropped the oldest chunks or log lines of a long run
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
import type { Run } from '../protocol/run';
import type { WebviewToHost } from '../protocol/webview';
import { isTerminal } from '../shared/status';
import { FrameLoop } from './frames';
import { h } from './dom';
import { parseHostMessage, type HostBridge } from './host';
import { initialState, reduce, type PanelState } from './state';
import { ChildrenView } from './views/children';
import { ErrorView } from './views/error';
import { HeaderView } from './views/header';
import { JsonSection } from './views/json';
import { NoticeView } from './views/notice';
import { ProgressView } from './views/progress';
import { StreamTabs } from './views/streams';
import { TimelineView } from './views/timeline';

/** What a frame has to redo, from the state it last rendered to the current one. Pure. */
export function planRender(prev: PanelState | undefined, next: PanelState): { reset: boolean; notice: boolean; run: Run | undefined; children: boolean } {
  return {
    children: next.children !== prev?.children,
    // A new snapshot: the stream views are built again.
    reset: !prev || prev.epoch !== next.epoch,
    notice: next.notice !== prev?.notice,
    run: next.run && next.run !== prev?.run ? next.run : undefined,
  };
}

export class RunPanelApp {
  private state: PanelState = initialState;
  private rendered: PanelState | undefined;
  private readonly frames = new FrameLoop(() => this.render());
  private readonly header: HeaderView;
  private readonly notice = new NoticeView();
  private readonly progress = new ProgressView();
  private readonly children: ChildrenView;
  private readonly timeline: TimelineView;
  private readonly streams: StreamTabs;
  private readonly metadata: JsonSection;
  private readonly payload: JsonSection;
  private readonly output: JsonSection;
  private readonly error: ErrorView;
  private readonly truncated = h('p', {
    id: 'truncated-note',
    className: 'truncated-note',
    attrs: { hidden: '' },
    text: 'This panel keeps the newest chunks and log lines of long streams: earlier ones were dropped here (the engine keeps them all).',
  });

  constructor(
    root: HTMLElement,
    private readonly host: HostBridge,
    pageRunId: string | undefined,
  ) {
    this.header = new HeaderView(root.ownerDocument, pageRunId, (m) => host.send(m));
    this.streams = new StreamTabs(host, () => this.frames.schedule());
    this.children = new ChildrenView((m) => host.send(m));
    this.timeline = new TimelineView((m) => host.send(m));
    const send = (m: WebviewToHost): void => host.send(m);
    this.metadata = new JsonSection('metadata', 'Metadata', true, send);
    this.payload = new JsonSection('payload', 'Payload', false, send);
    this.output = new JsonSection('output', 'Output', true, send);
    this.error = new ErrorView(root.ownerDocument.body.dataset.workspaceRoot || undefined, (m) => host.send(m));
    root.replaceChildren(
      this.header.root,
      this.notice.root,
      this.progress.root,
      this.timeline.root,
      this.children.root,
      this.truncated,
      this.streams.root,
      this.metadata.root,
      this.payload.root,
      this.output.root,
      this.error.root,
    );
  }

  /** A message event's data: applied to the state, rendered on the next frame. */
  receive(data: unknown): void {
    const r = parseHostMessage(data);
    if (r.kind === 'ignored') return;
    try {
      this.state = reduce(this.state, r.message);
      if (r.message.type === 'snapshot') this.host.setRunId(this.state.runId);
      this.frames.schedule();
    } catch (err) {
      this.host.reportError(err);
    }
  }

  /** Every second: the live duration of a running run. */
  tick(now = Date.now()): void {
    this.header.tick(this.state.run, now);
    this.timeline.tick(now);
  }

  private render(): void {
    const prev = this.rendered;
    const state = (this.rendered = this.state);
    const plan = planRender(prev, state);
    if (plan.reset) {
      this.streams.reset();
      for (const j of [this.metadata, this.payload, this.output]) j.reset();
    }
    if (plan.notice) this.notice.show(state.notice);
    if (plan.children) this.children.show(state.children);
    const run = plan.run;
    if (run) {
      this.header.show(run, Date.now());
      this.progress.show(run.metadata);
      this.metadata.show(run.metadata ?? {}, '');
      this.payload.show(run.payload, 'no payload', run.payloadMeta);
      this.output.show(run.output, isTerminal(run.status) ? 'no output' : 'not finished yet', run.outputMeta);
      this.error.show(run);
    }
    this.truncated.hidden = !state.truncated;
    // Redraws only when what it shows changed (see TimelineView.draw).
    this.timeline.show({ run: state.run, timeline: state.timeline, children: state.children, logs: state.logs });
    this.streams.render(state);
  }
}
