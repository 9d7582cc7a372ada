import type { Run, RunStatus } from '../../protocol/run';
import type { WebviewToHost } from '../../protocol/webview';
import { formatDuration, runDurationMs } from '../../shared/format';
import { STATUS_LOOK, isCancelable, isTerminal } from '../../shared/status';
import { describeWait, waitedToken } from '../../shared/waits';
import { h, icon } from '../dom';

/** What the header shows of a run. Pure. */
export interface HeaderModel {
  /** className of #run-status-icon. */
  iconClass: string;
  /** Its colour: a theme variable, or '' for the default. */
  iconColor: string;
  label: string;
  status: RunStatus;
  task: string;
  id: string;
  /** Empty: shown as "—". */
  tags: readonly string[];
  batch: string;
  /** The schedule that triggered the run, `sched_… (cron)`; '' when none (the item is hidden). */
  schedule: string;
  started: string;
  finished: string;
  duration: string;
  attempt: string;
  cancelDisabled: boolean;
  title: string;
  /** What a WAITING run waits on ("token waitpoint_…", "2 runs", "until …"); '' otherwise. */
  waitingFor: string;
  /** The wait token a WAITING run waits on: the panel offers to complete it. */
  tokenId: string | undefined;
}

export function fmtTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function fmtRunDuration(run: Run, now: number): string {
  return formatDuration(runDurationMs(run, now) ?? Number.NaN) || '—';
}

export function headerModel(run: Run, now: number): HeaderModel {
  const look = STATUS_LOOK[run.status];
  const spin = look.codicon.endsWith('~spin');
  return {
    iconClass: `codicon codicon-${look.codicon.replace('~spin', '')}${spin ? ' codicon-modifier-spin' : ''}`,
    iconColor: look.color ? `var(--vscode-${look.color.replace(/\./g, '-')})` : '',
    label: look.label,
    status: run.status,
    task: run.taskIdentifier,
    id: run.id,
    tags: run.tags,
    batch: run.batchId ?? '—',
    schedule: run.schedule ? `${run.schedule.id} (${run.schedule.generator.expression})` : '',
    started: fmtTime(run.startedAt),
    finished: fmtTime(run.finishedAt),
    duration: fmtRunDuration(run, now),
    attempt: String(run.attemptCount || '—'),
    cancelDisabled: !isCancelable(run.status),
    title: `${run.taskIdentifier} · ${look.label}`,
    waitingFor: run.status === 'WAITING' && run.waitingFor ? describeWait(run.waitingFor) : '',
    tokenId: run.status === 'WAITING' ? waitedToken(run.waitingFor) : undefined,
  };
}

/** The duration of a run that is still going (it changes every second), else undefined. */
export function liveDuration(run: Run | null, now: number): string | undefined {
  return run && !isTerminal(run.status) && run.startedAt ? fmtRunDuration(run, now) : undefined;
}

/** The header: status, task, the run's facts and the Cancel / Replay / Copy id actions. */
export class HeaderView {
  readonly root: HTMLElement;
  private readonly statusIcon = h('span', { id: 'run-status-icon', className: 'codicon codicon-history', attrs: { 'aria-hidden': 'true' } });
  private readonly task = h('h1', { id: 'run-task', text: 'Run' });
  // Screen readers hear the status as it changes, not every streamed token.
  private readonly status = h('span', { id: 'run-status', className: 'status-label', text: 'Loading…', attrs: { 'aria-live': 'polite', role: 'status' } });
  private readonly id: HTMLElement;
  private readonly tags = h('span', { id: 'run-tags' });
  private readonly batch = h('span', { id: 'run-batch' });
  private readonly schedule = h('span', { id: 'run-schedule' });
  private readonly scheduleItem = metaItem('schedule', this.schedule);
  private readonly started = h('span', { id: 'run-started' });
  private readonly finished = h('span', { id: 'run-finished' });
  private readonly duration = h('span', { id: 'run-duration' });
  private readonly attempt = h('span', { id: 'run-attempt' });
  private readonly cancel = button('btn-cancel', 'btn', 'Cancel this run', [icon('circle-slash'), ' Cancel']);
  private readonly waitingText = h('span', { id: 'run-waiting-for' });
  private readonly completeToken = button('btn-complete-token', 'btn', 'Complete the wait token with JSON data: the run resumes', [
    icon('check'),
    ' Complete…',
  ]);
  private readonly waiting = h('div', { id: 'run-waiting', className: 'waiting-row', attrs: { hidden: '' } }, [
    icon('debug-pause'),
    h('span', { className: 'meta-label', text: 'waiting for' }),
    this.waitingText,
    this.completeToken,
  ]);

  constructor(
    /** body[data-run-status] and the page title follow the run. */
    private readonly doc: Document,
    pageRunId: string | undefined,
    send: (message: WebviewToHost) => void,
  ) {
    this.id = h('code', { id: 'run-id', text: pageRunId ?? '' });
    const replay = button('btn-replay', 'btn', 'Run again with the same payload', [icon('debug-rerun'), ' Replay']);
    const debugReplay = button('btn-debug-replay', 'btn secondary', 'Run again with the same payload, under the debugger', [icon('debug-alt'), ' Debug']);
    const replayEdited = button(
      'btn-replay-edited',
      'btn secondary',
      'Replay with Edited Payload…: open the trigger form with this run’s payload and options',
      [icon('edit'), ' Edit & Replay'],
    );
    const copyId = button('btn-copy-id', 'btn secondary', 'Copy the run id', [icon('copy')]);
    this.cancel.addEventListener('click', () => send({ type: 'cancel' }));
    replay.addEventListener('click', () => send({ type: 'replay' }));
    replayEdited.addEventListener('click', () => send({ type: 'replayEdited' }));
    debugReplay.addEventListener('click', () => send({ type: 'debugReplay' }));
    copyId.addEventListener('click', () => send({ type: 'copyId' }));
    this.completeToken.addEventListener('click', () => send({ type: 'completeToken' }));
    this.root = h('header', { id: 'run-header' }, [
      h('div', { className: 'title-row' }, [
        this.statusIcon,
        this.task,
        this.status,
        h('span', { className: 'spacer' }),
        this.cancel,
        replay,
        debugReplay,
        replayEdited,
        copyId,
      ]),
      h('div', { className: 'meta' }, [
        metaItem('id', this.id),
        metaItem('tags', this.tags),
        metaItem('batch', this.batch),
        this.scheduleItem,
        metaItem('started', this.started),
        metaItem('finished', this.finished),
        metaItem('duration', this.duration),
        metaItem('attempt', this.attempt),
      ]),
      this.waiting,
    ]);
  }

  show(run: Run, now: number): void {
    const m = headerModel(run, now);
    this.statusIcon.className = m.iconClass;
    this.statusIcon.style.color = m.iconColor;
    this.status.textContent = m.label;
    this.status.dataset.status = m.status;
    this.doc.body.dataset.runStatus = m.status;
    this.task.textContent = m.task;
    this.id.textContent = m.id;
    this.tags.replaceChildren(...(m.tags.length ? m.tags.map((t) => h('span', { className: 'tag', text: t })) : [document.createTextNode('—')]));
    this.batch.textContent = m.batch;
    this.schedule.textContent = m.schedule;
    this.scheduleItem.hidden = m.schedule === '';
    this.started.textContent = m.started;
    this.finished.textContent = m.finished;
    this.duration.textContent = m.duration;
    this.attempt.textContent = m.attempt;
    this.cancel.disabled = m.cancelDisabled;
    this.waiting.hidden = m.waitingFor === '';
    this.waitingText.textContent = m.waitingFor;
    this.waiting.dataset.kind = run.waitingFor?.kind ?? '';
    this.completeToken.hidden = m.tokenId === undefined;
    this.doc.title = m.title;
  }

  /** Every second: the duration of a run still going. */
  tick(run: Run | null, now: number): void {
    const d = liveDuration(run, now);
    if (d !== undefined) this.duration.textContent = d;
  }
}

function button(id: string, className: string, title: string, children: (Node | string)[]): HTMLButtonElement {
  return h('button', { id, className, attrs: { type: 'button', title } }, children);
}

function metaItem(label: string, value: HTMLElement): HTMLElement {
  return h('span', { className: 'meta-item' }, [h('span', { className: 'meta-label', text: label }), value]);
}
