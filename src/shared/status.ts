// The run status vocabulary every process shares: the 13 public statuses, which of them are final or can
// still be cancelled, and how each one looks (label, codicon, colour, severity, tone). Pure data.

/** The 13 public run statuses, as Trigger.dev's public API names them. */
export const RUN_STATUSES = [
  'PENDING_VERSION',
  'QUEUED',
  'DEQUEUED',
  'EXECUTING',
  'WAITING',
  'COMPLETED',
  'CANCELED',
  'FAILED',
  'CRASHED',
  'SYSTEM_FAILURE',
  'DELAYED',
  'EXPIRED',
  'TIMED_OUT',
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

/** Final statuses: a run in one of them has `finishedAt` and never changes status again. */
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>([
  'COMPLETED',
  'CANCELED',
  'FAILED',
  'CRASHED',
  'SYSTEM_FAILURE',
  'EXPIRED',
  'TIMED_OUT',
]);

/** Statuses a run can still be cancelled from: every status that is not final. */
export const CANCELABLE_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(RUN_STATUSES.filter((s) => !TERMINAL_STATUSES.has(s)));

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isCancelable(status: RunStatus): boolean {
  return CANCELABLE_STATUSES.has(status);
}

/** What kind of outcome a status is, for renderers with few colours (a terminal). */
export type StatusTone = 'pending' | 'active' | 'passed' | 'skipped' | 'failed';

/**
 * How a status looks: a codicon id and a theme colour id (the `testing.*` colours, so runs look like tests do),
 * its label, its tone, and a severity (higher is more severe: a group shows its most severe child).
 */
export interface StatusLook {
  codicon: string;
  color: string | undefined;
  label: string;
  tone: StatusTone;
  severity: number;
}

const QUEUED: StatusLook = { codicon: 'history', color: 'testing.iconQueued', label: 'Queued', tone: 'pending', severity: 2 };
const FAILED = (label: string): StatusLook => ({ codicon: 'error', color: 'testing.iconFailed', label, tone: 'failed', severity: 6 });
const TIMEOUT = (label: string): StatusLook => ({ codicon: 'watch', color: 'testing.iconErrored', label, tone: 'failed', severity: 5 });

export const STATUS_LOOK: Readonly<Record<RunStatus, StatusLook>> = {
  PENDING_VERSION: { ...QUEUED, label: 'Pending' },
  QUEUED,
  DEQUEUED: { codicon: 'loading~spin', color: 'testing.iconQueued', label: 'Starting', tone: 'active', severity: 4 },
  EXECUTING: { codicon: 'loading~spin', color: 'testing.runAction', label: 'Executing', tone: 'active', severity: 4 },
  WAITING: { codicon: 'debug-pause', color: 'testing.iconQueued', label: 'Waiting', tone: 'pending', severity: 3 },
  DELAYED: { codicon: 'clock', color: 'testing.iconQueued', label: 'Delayed', tone: 'pending', severity: 1 },
  COMPLETED: { codicon: 'pass', color: 'testing.iconPassed', label: 'Completed', tone: 'passed', severity: 0 },
  CANCELED: { codicon: 'circle-slash', color: 'testing.iconSkipped', label: 'Canceled', tone: 'skipped', severity: 1 },
  FAILED: FAILED('Failed'),
  CRASHED: FAILED('Crashed'),
  SYSTEM_FAILURE: FAILED('System failure'),
  TIMED_OUT: TIMEOUT('Timed out'),
  EXPIRED: TIMEOUT('Expired'),
};

export function statusLook(status: RunStatus): StatusLook {
  return STATUS_LOOK[status];
}

/** The most severe status among `statuses` (ties: the first seen), or undefined for none. */
export function mostSevere(statuses: Iterable<RunStatus>): RunStatus | undefined {
  let best: RunStatus | undefined;
  for (const s of statuses) {
    if (best === undefined || STATUS_LOOK[s].severity > STATUS_LOOK[best].severity) best = s;
  }
  return best;
}
