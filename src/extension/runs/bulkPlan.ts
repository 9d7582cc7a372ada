import type { Run } from '../../protocol/run';
import { isCancelable } from '../../shared/status';

/**
 * Acting on many runs at once (a multi-selection in the Runs view, or a tag or batch group's Cancel All and
 * Replay Failed): which runs an action takes, whether to ask first, and what to say after. Pure.
 */

/** More runs than this at once, and the user is asked first. */
export const CONFIRM_ABOVE = 5;

export type BulkAction = 'cancel' | 'replay';

export interface BulkPlan {
  action: BulkAction;
  /** The runs the action takes, each once, in the order given. */
  targets: Run[];
  /** Runs given that the action leaves alone (cancel: already finished). */
  skipped: Run[];
}

/** Cancel takes the runs that can still be cancelled; replay takes every run. Duplicates (one run selected under a tag and under Recent) count once. */
export function planBulk(action: BulkAction, runs: Iterable<Run>): BulkPlan {
  const seen = new Set<string>();
  const targets: Run[] = [];
  const skipped: Run[] = [];
  for (const run of runs) {
    if (seen.has(run.id)) continue;
    seen.add(run.id);
    if (action === 'cancel' && !isCancelable(run.status)) skipped.push(run);
    else targets.push(run);
  }
  return { action, targets, skipped };
}

export function needsConfirmation(plan: BulkPlan): boolean {
  return plan.targets.length > CONFIRM_ABOVE;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The question asked before a large bulk action, and the label of the button that goes ahead. `where` names the group ("tagged user:42"). */
export function confirmation(plan: BulkPlan, where?: string): { message: string; detail: string; button: string } {
  const n = plan.targets.length;
  const runs = plural(n, 'run');
  const tasks = [...new Set(plan.targets.map((r) => r.taskIdentifier))];
  const detail = `Tasks: ${tasks.slice(0, 5).join(', ')}${tasks.length > 5 ? `, and ${tasks.length - 5} more` : ''}.`;
  if (plan.action === 'cancel') {
    return {
      message: `Cancel ${runs}${where ? ` ${where}` : ''}?`,
      detail: `${detail} Their attempts are stopped; this cannot be undone.`,
      button: `Cancel ${runs}`,
    };
  }
  return {
    message: `Replay ${runs}${where ? ` ${where}` : ''}?`,
    detail: `${detail} Each starts again as a new run with the same payload and tags.`,
    button: `Replay ${runs}`,
  };
}

export interface BulkOutcome {
  /** Ids of the runs acted on (for replay: the new runs' ids). */
  done: string[];
  /** Runs the engine refused, with why. */
  failed: { runId: string; message: string }[];
}

/** The one-line report after a bulk action. */
export function bulkSummary(plan: BulkPlan, outcome: BulkOutcome): { level: 'info' | 'warning'; message: string } {
  const verb = plan.action === 'cancel' ? 'Canceled' : 'Replayed';
  const parts = [`${verb} ${plural(outcome.done.length, 'run')}`];
  if (plan.skipped.length) parts.push(`${plural(plan.skipped.length, 'run')} already finished`);
  if (outcome.failed.length) {
    const first = outcome.failed[0]!;
    parts.push(
      `${outcome.failed.length} could not be ${plan.action === 'cancel' ? 'canceled' : 'replayed'} (${first.runId}: ${first.message}${outcome.failed.length > 1 ? ', …' : ''})`,
    );
  }
  return { level: outcome.failed.length ? 'warning' : 'info', message: `Runlight: ${parts.join('; ')}.` };
}
