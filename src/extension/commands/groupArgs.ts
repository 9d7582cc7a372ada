import * as vscode from 'vscode';
import type { Run } from '../../protocol/run';
import type { Services } from '../services';
import { selectedNodes } from './bulk';

type Group = { tag: string } | { batchId: string };

function groupOf(s: Services, arg: unknown): Group | undefined {
  if (typeof arg === 'string') {
    const node = s.runsTree.node(arg);
    if (node?.kind === 'tag' && node.tag !== undefined) return { tag: node.tag };
    if (node?.kind === 'batch' && node.batchId !== undefined) return { batchId: node.batchId };
    return undefined;
  }
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as { tag?: unknown; batchId?: unknown };
  if (typeof o.tag === 'string' && o.tag) return { tag: o.tag };
  if (typeof o.batchId === 'string' && o.batchId) return { batchId: o.batchId };
  return undefined;
}

/**
 * The runs of the tag and batch groups a group command acts on: the node clicked (its id, as the view passes it,
 * or `{ tag }` / `{ batchId }` from other callers), or every tag and batch node of a multi-selection — each as the
 * view shows it (see RunsTreeProvider.runsOf). Undefined (with a message) when no group is given.
 */
export function groupsOfArgs(s: Services, arg: unknown, selection: unknown): { runs: Run[]; where: string } | undefined {
  const selected = selectedNodes(s, arg, selection);
  const groups = (selected ? selected.map((n) => n.id) : [arg]).flatMap((a) => groupOf(s, a) ?? []);
  if (!groups.length) {
    void vscode.window.showInformationMessage('Runlight: choose a tag or a batch in the Runs view.');
    return undefined;
  }
  const runs = groups.flatMap((g) => s.runsTree.runsOf(g));
  const only = groups.length === 1 ? groups[0]! : undefined;
  const where = only ? ('tag' in only ? `tagged ${only.tag}` : `in batch ${only.batchId}`) : `in ${groups.length} groups`;
  return { runs, where };
}
