import * as vscode from 'vscode';
import type { Run } from '../../protocol/run';
import { formatRelative } from '../../shared/format';
import type { Services } from '../services';
import { compareRuns } from '../tree/model';
import { statusLook } from '../../shared/status';
import { describeError } from '../../shared/errors';

/**
 * Run commands are called from the tree (a node id such as `tag:x:run:<id>`), from a run panel or the
 * API (a run id, or an object with `runId`/`id`), or from the palette (no argument: a quick pick).
 */
export function runIdFromArg(services: Services, arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) {
    const node = services.runsTree.node(arg);
    if (node?.runId) return node.runId;
    return arg;
  }
  if (arg && typeof arg === 'object') {
    const o = arg as Record<string, unknown>;
    if (typeof o.runId === 'string') return o.runId;
    if (typeof o.id === 'string') return o.id;
  }
  return undefined;
}

export async function pickRun(services: Services, placeHolder: string, accept: (run: Run) => boolean = () => true): Promise<string | undefined> {
  const now = Date.now();
  const runs = services.store.all().filter(accept).sort(compareRuns).slice(0, 200);
  if (!runs.length) {
    void vscode.window.showInformationMessage('Runlight: no matching runs.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({
      label: `$(${statusLook(r.status).codicon}) ${r.taskIdentifier}`,
      description: `${statusLook(r.status).label} · ${formatRelative(r.createdAt, now)}`,
      detail: [r.id, ...r.tags.map((t) => `#${t}`)].join('  '),
      runId: r.id,
    })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.runId;
}

export async function resolveRunId(services: Services, arg: unknown, placeHolder: string, accept?: (run: Run) => boolean): Promise<string | undefined> {
  return runIdFromArg(services, arg) ?? (await pickRun(services, placeHolder, accept));
}

export function errorMessage(err: unknown): string {
  return describeError(err);
}
