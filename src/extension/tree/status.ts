import type { RunStatus } from '../../protocol/run';

/**
 * Run status → codicon id + theme colour id (the `testing.*` colours, so runs look like tests do).
 * Pure data: the tree and the status bar turn it into ThemeIcon/ThemeColor.
 */
export interface StatusLook {
  codicon: string;
  color: string | undefined;
  label: string;
  /** Higher is more severe: a group shows its most severe child. */
  severity: number;
}

const QUEUED: StatusLook = { codicon: 'history', color: 'testing.iconQueued', label: 'Queued', severity: 2 };
const FAILED = (label: string): StatusLook => ({ codicon: 'error', color: 'testing.iconFailed', label, severity: 6 });
const TIMEOUT = (label: string): StatusLook => ({ codicon: 'watch', color: 'testing.iconErrored', label, severity: 5 });

export const STATUS_LOOK: Readonly<Record<RunStatus, StatusLook>> = {
  PENDING_VERSION: { ...QUEUED, label: 'Pending' },
  QUEUED,
  DEQUEUED: { codicon: 'loading~spin', color: 'testing.iconQueued', label: 'Starting', severity: 4 },
  EXECUTING: { codicon: 'loading~spin', color: 'testing.runAction', label: 'Executing', severity: 4 },
  WAITING: { codicon: 'debug-pause', color: 'testing.iconQueued', label: 'Waiting', severity: 3 },
  DELAYED: { codicon: 'clock', color: 'testing.iconQueued', label: 'Delayed', severity: 1 },
  COMPLETED: { codicon: 'pass', color: 'testing.iconPassed', label: 'Completed', severity: 0 },
  CANCELED: { codicon: 'circle-slash', color: 'testing.iconSkipped', label: 'Canceled', severity: 1 },
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

/** Statuses a run can still be cancelled from. */
export function isCancelable(status: RunStatus): boolean {
  return ['PENDING_VERSION', 'QUEUED', 'DEQUEUED', 'EXECUTING', 'WAITING', 'DELAYED'].includes(status);
}
