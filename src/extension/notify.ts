import type { Run } from '../protocol/run';
import { isTerminal } from '../shared/status';
import type { RunlightSettings } from './settingsModel';

export type NotifyKind = 'success' | 'failure' | 'canceled';

/**
 * Whether a change of a run deserves a completion notification: only a transition into a terminal
 * status that this window saw happen (a run first seen already finished is history, not news).
 */
export function completionNotice(setting: RunlightSettings['completionNotifications'], previous: Run | undefined, run: Run): NotifyKind | undefined {
  if (setting === 'off' || !previous) return undefined;
  if (isTerminal(previous.status) || !isTerminal(run.status)) return undefined;
  const kind: NotifyKind = run.status === 'COMPLETED' ? 'success' : run.status === 'CANCELED' ? 'canceled' : 'failure';
  if (setting === 'failures' && kind !== 'failure') return undefined;
  return kind;
}
