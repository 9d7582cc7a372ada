import * as vscode from 'vscode';
import type { Run } from '../../protocol/run';
import { bulkSummary, confirmation, needsConfirmation, planBulk, type BulkAction, type BulkOutcome } from '../runs/bulkPlan';
import type { Services } from '../services';
import type { TreeNodeData } from '../tree/model';
import { errorMessage } from './args';

/** Requests to the engine at once during a bulk action. */
const PARALLEL = 4;

/**
 * The Runs view nodes a command acts on when several are selected. VS Code calls a view's item command with the
 * item clicked and the whole selection; a selection of one (or a call with no selection) is not a bulk action.
 */
export function selectedNodes(s: Services, arg: unknown, selection: unknown): TreeNodeData[] | undefined {
  if (!Array.isArray(selection) || selection.length < 2 || !selection.every((x) => typeof x === 'string')) return undefined;
  if (typeof arg === 'string' && !selection.includes(arg)) return undefined; // clicked outside the selection: that item only
  return selection.flatMap((id) => s.runsTree.node(id) ?? []);
}

/** Options other callers (tests, extensions) may pass in an object argument: `confirm: false` skips the question. */
export function bulkOptions(args: readonly unknown[]): { confirm: boolean } {
  const skip = args.some((a) => !!a && typeof a === 'object' && !Array.isArray(a) && (a as { confirm?: unknown }).confirm === false);
  return { confirm: !skip };
}

/** `{ runIds: [...] }` from other callers: the runs the host knows of among them. */
export function runsOfArg(s: Services, arg: unknown): Run[] | undefined {
  if (!arg || typeof arg !== 'object' || !Array.isArray((arg as { runIds?: unknown }).runIds)) return undefined;
  return ((arg as { runIds: unknown[] }).runIds.filter((x) => typeof x === 'string') as string[]).flatMap((id) => s.store.get(id) ?? []);
}

/**
 * Cancels or replays `runs`: asks first when they are many (unless `confirm` is false), sends the requests a few
 * at a time, and reports in one message. Undefined when the user said no.
 */
export async function runBulk(s: Services, action: BulkAction, runs: Iterable<Run>, o: { where?: string; confirm: boolean }): Promise<BulkOutcome | undefined> {
  const plan = planBulk(action, runs);
  if (plan.targets.length === 0) {
    const what = action === 'cancel' ? 'no run to cancel: every one has finished' : 'no run to replay';
    void vscode.window.showInformationMessage(`Runlight: ${what}.`);
    return { done: [], failed: [] };
  }
  if (o.confirm && needsConfirmation(plan)) {
    const q = confirmation(plan, o.where);
    const answer = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, q.button);
    if (answer !== q.button) return undefined;
  }
  const conn = await s.engine.ensureStarted();
  const outcome: BulkOutcome = { done: [], failed: [] };
  const queue = [...plan.targets];
  const results = new Map<string, { id?: string; error?: string }>();
  const worker = async (): Promise<void> => {
    for (let run = queue.shift(); run; run = queue.shift()) {
      try {
        const r = action === 'cancel' ? await conn.client.cancelRun(run.id) : await conn.client.replayRun(run.id);
        results.set(run.id, { id: r.id });
      } catch (err) {
        results.set(run.id, { error: errorMessage(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, plan.targets.length) }, worker));
  for (const run of plan.targets) {
    const r = results.get(run.id);
    if (r?.id) outcome.done.push(action === 'cancel' ? run.id : r.id);
    else outcome.failed.push({ runId: run.id, message: r?.error ?? 'no answer' });
  }
  const verb = action === 'cancel' ? 'Canceled' : 'Replayed';
  s.log.info(
    `${verb} ${outcome.done.length} of ${plan.targets.length} runs${o.where ? ` ${o.where}` : ''}${outcome.failed.length ? `; failed: ${outcome.failed.map((f) => `${f.runId} (${f.message})`).join(', ')}` : ''}`,
  );
  const summary = bulkSummary(plan, outcome);
  if (summary.level === 'warning') void vscode.window.showWarningMessage(summary.message);
  else void vscode.window.showInformationMessage(summary.message);
  return outcome;
}
