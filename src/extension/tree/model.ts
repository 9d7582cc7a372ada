import type { Run } from '../../protocol/run';
import { isCancelable, isTerminal, mostSevere, statusLook } from '../../shared/status';
import { waitedToken } from '../../shared/waits';
import { runDescription, runTooltipMarkdown } from '../format';
import { matchesQuery, queryIsActive, type RunQuery } from './runQuery';

/**
 * The Runs tree as plain data: built from the run list, diffed against the previous build so that only
 * the nodes that changed are fired. No vscode import: unit-tested in plain Node.
 *
 * Node ids (stable across rebuilds, so expansion and selection survive):
 *   group:tags | group:batches | group:recent      top-level groups
 *   tag:<tag>            tag:<tag>:run:<runId>     (tag URI-encoded)
 *   batch:<batchId>      batch:<batchId>:run:<runId>
 *   run:<runId>                                    (under Recent)
 *   more:<parentId>                                "Show more…" under a capped parent
 *
 * Within each group, a run triggered from inside another run of the same list (`parentTaskRunId`) is nested under
 * that run's node (which becomes collapsible); a run whose parent is not in the list shows at the group's level.
 * A run's node id does not depend on where it is nested, so it survives its parent arriving or leaving.
 */

export type NodeKind = 'group' | 'tag' | 'batch' | 'run' | 'more';

export interface NodeIcon {
  codicon: string;
  color?: string;
}

export interface TreeNodeData {
  id: string;
  kind: NodeKind;
  parentId: string | undefined;
  children: string[];
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon: NodeIcon;
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
  runId?: string;
  tag?: string;
  batchId?: string;
}

export interface TreeSnapshot {
  roots: string[];
  nodes: Map<string, TreeNodeData>;
  /** Runs shown (after window + filter). */
  shown: number;
  executing: number;
}

export interface TreeOptions {
  now: number;
  filter?: RunQuery;
  /** Runs listed under a parent before "Show more…". */
  pageSize: number;
  /** Extra pages opened with "Show more…", by parent id. */
  extraPages?: ReadonlyMap<string, number>;
  /** Only runs created within this many ms (non-terminal runs always show); undefined = all. */
  windowMs?: number;
}

export const GROUP_TAGS = 'group:tags';
export const GROUP_BATCHES = 'group:batches';
export const GROUP_RECENT = 'group:recent';

const enc = encodeURIComponent;
export const ids = {
  tag: (tag: string) => `tag:${enc(tag)}`,
  tagRun: (tag: string, runId: string) => `tag:${enc(tag)}:run:${enc(runId)}`,
  batch: (batchId: string) => `batch:${enc(batchId)}`,
  batchRun: (batchId: string, runId: string) => `batch:${enc(batchId)}:run:${enc(runId)}`,
  run: (runId: string) => `run:${enc(runId)}`,
  more: (parentId: string) => `more:${parentId}`,
};

/** The message the Runs view shows above the tree while a filter is active (undefined: none). */
export function describeFilter(filter: RunQuery | undefined, shown: number): string | undefined {
  if (!queryIsActive(filter)) return undefined;
  return `Filter: ${filter!.text} — ${shown === 1 ? '1 run matches' : `${shown} runs match`}. Clear Filter to see all runs.`;
}

export function runMatches(run: Run, opts: Pick<TreeOptions, 'filter' | 'windowMs' | 'now'>): boolean {
  if (opts.filter && !matchesQuery(run, opts.filter)) return false;
  if (opts.windowMs !== undefined && isTerminal(run.status)) {
    const created = Date.parse(run.createdAt);
    if (!Number.isNaN(created) && created < opts.now - opts.windowMs) return false;
  }
  return true;
}

/** Newest first; ties by id so the order is total and stable. */
export function compareRuns(a: Run, b: Run): number {
  const d = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (d !== 0 && !Number.isNaN(d)) return d;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function runContextValue(run: Run): string {
  const flags = ['run', 'replayable'];
  if (isCancelable(run.status)) flags.push('cancelable');
  if (isTerminal(run.status)) flags.push('finished');
  if (run.status === 'WAITING') flags.push('waiting');
  if (run.status === 'WAITING' && waitedToken(run.waitingFor)) flags.push('tokenWaiting');
  return flags.join(' ');
}

/** A run the group's Replay Failed replays. */
export function isFailedRun(run: Run): boolean {
  return run.isFailed;
}

/**
 * A tag or batch node's flags: `unfinished` when one of its runs can be cancelled (Cancel All), `failed` when one
 * failed (Replay Failed).
 */
export function groupContextValue(kind: 'tag' | 'batch', members: readonly Run[]): string {
  const flags = [kind, 'tokenable'];
  if (members.some((r) => isCancelable(r.status))) flags.push('unfinished');
  if (members.some(isFailedRun)) flags.push('failed');
  return flags.join(' ');
}

/** A list of runs as a forest: the runs whose parent is not in the list, and each run's children within it (order kept). */
export function nestRuns(list: readonly Run[]): { top: Run[]; children: Map<string, Run[]> } {
  const listed = new Set(list.map((r) => r.id));
  const children = new Map<string, Run[]>();
  const top: Run[] = [];
  for (const run of list) {
    const parent = run.parentTaskRunId;
    if (parent !== undefined && parent !== run.id && listed.has(parent)) (children.get(parent) ?? children.set(parent, []).get(parent)!).push(run);
    else top.push(run);
  }
  if (children.size === 0) return { top, children };
  // Runs whose parents loop (never from the engine; guarded all the same) hang from no top-level run: show them at the top.
  const reached = new Set<string>();
  const stack = [...top];
  for (let run = stack.pop(); run !== undefined; run = stack.pop()) {
    reached.add(run.id);
    for (const kid of children.get(run.id) ?? []) stack.push(kid);
  }
  if (reached.size === list.length) return { top, children };
  const topIds = new Set(top.map((r) => r.id));
  for (const [parent, kids] of children) {
    const kept = reached.has(parent) ? kids.filter((k) => reached.has(k.id)) : [];
    if (kept.length) children.set(parent, kept);
    else children.delete(parent);
  }
  return { top: list.filter((r) => topIds.has(r.id) || !reached.has(r.id)), children };
}

function countsDescription(runs: readonly Run[]): string {
  const n = runs.length;
  const parts = [`${n} run${n === 1 ? '' : 's'}`];
  const running = runs.filter((r) => r.status === 'EXECUTING' || r.status === 'DEQUEUED').length;
  const failed = runs.filter((r) => statusLook(r.status).severity >= 5).length;
  if (running) parts.push(`${running} running`);
  if (failed) parts.push(`${failed} failed`);
  return parts.join(' · ');
}

function severityIcon(runs: readonly Run[], fallback: string): NodeIcon {
  const worst = mostSevere(runs.map((r) => r.status));
  if (!worst) return { codicon: fallback };
  const look = statusLook(worst);
  return { codicon: look.codicon, color: look.color };
}

export function buildTree(allRuns: Iterable<Run>, opts: TreeOptions): TreeSnapshot {
  const nodes = new Map<string, TreeNodeData>();
  const runs = [...allRuns].filter((r) => runMatches(r, opts)).sort(compareRuns);
  const executing = runs.filter((r) => r.status === 'EXECUTING' || r.status === 'DEQUEUED').length;
  if (runs.length === 0) return { roots: [], nodes, shown: 0, executing };

  const limitFor = (parentId: string) => opts.pageSize * (1 + (opts.extraPages?.get(parentId) ?? 0));

  /** Lists `list` under `parent`, each run with its own children from the same list nested below it. */
  const addRunChildren = (parent: TreeNodeData, list: readonly Run[], idOf: (run: Run) => string) => {
    const { top, children } = nestRuns(list);
    const addLevel = (under: TreeNodeData, level: readonly Run[]) => {
      const limit = limitFor(under.id);
      for (const run of level.slice(0, limit)) {
        const id = idOf(run);
        const look = statusLook(run.status);
        const kids = children.get(run.id);
        const node: TreeNodeData = {
          id,
          kind: 'run',
          parentId: under.id,
          children: [],
          label: run.taskIdentifier,
          description: runDescription(run, opts.now),
          tooltip: runTooltipMarkdown(run, opts.now),
          icon: { codicon: look.codicon, color: look.color },
          contextValue: runContextValue(run),
          collapsible: kids ? 'collapsed' : 'none',
          runId: run.id,
        };
        nodes.set(id, node);
        under.children.push(id);
        if (kids) addLevel(node, kids);
      }
      if (level.length > limit) {
        const id = ids.more(under.id);
        nodes.set(id, {
          id,
          kind: 'more',
          parentId: under.id,
          children: [],
          label: 'Show more…',
          description: `${level.length - limit} more`,
          icon: { codicon: 'ellipsis' },
          contextValue: 'more',
          collapsible: 'none',
        });
        under.children.push(id);
      }
    };
    addLevel(parent, top);
  };

  const group = (id: string, label: string, codicon: string, members: readonly Run[], collapsible: TreeNodeData['collapsible']): TreeNodeData => {
    const node: TreeNodeData = {
      id,
      kind: 'group',
      parentId: undefined,
      children: [],
      label,
      description: countsDescription(members),
      icon: { codicon },
      contextValue: 'group',
      collapsible,
    };
    nodes.set(id, node);
    return node;
  };

  const roots: string[] = [];

  // By tag
  const byTag = new Map<string, Run[]>();
  for (const run of runs) for (const tag of new Set(run.tags)) (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(run);
  if (byTag.size) {
    const tagged = runs.filter((r) => r.tags.length > 0);
    const g = group(GROUP_TAGS, 'By tag', 'tag', tagged, 'collapsed');
    g.description = `${byTag.size} tag${byTag.size === 1 ? '' : 's'} · ${countsDescription(tagged)}`;
    roots.push(g.id);
    for (const tag of [...byTag.keys()].sort((a, b) => a.localeCompare(b))) {
      const members = byTag.get(tag)!;
      const id = ids.tag(tag);
      const node: TreeNodeData = {
        id,
        kind: 'tag',
        parentId: g.id,
        children: [],
        label: tag,
        description: countsDescription(members),
        tooltip: `Runs tagged \`${tag.replace(/`/g, '')}\``,
        icon: severityIcon(members, 'tag'),
        contextValue: groupContextValue('tag', members),
        collapsible: 'collapsed',
        tag,
      };
      nodes.set(id, node);
      g.children.push(id);
      addRunChildren(node, members, (r) => ids.tagRun(tag, r.id));
    }
  }

  // By batch
  const byBatch = new Map<string, Run[]>();
  for (const run of runs) if (run.batchId) (byBatch.get(run.batchId) ?? byBatch.set(run.batchId, []).get(run.batchId)!).push(run);
  if (byBatch.size) {
    const batched = runs.filter((r) => r.batchId);
    const g = group(GROUP_BATCHES, 'By batch', 'layers', batched, 'collapsed');
    g.description = `${byBatch.size} batch${byBatch.size === 1 ? '' : 'es'} · ${countsDescription(batched)}`;
    roots.push(g.id);
    // Map insertion order follows `runs` (newest first), so batches come newest first too.
    for (const [batchId, members] of byBatch) {
      const id = ids.batch(batchId);
      const tasks = [...new Set(members.map((r) => r.taskIdentifier))];
      const node: TreeNodeData = {
        id,
        kind: 'batch',
        parentId: g.id,
        children: [],
        label: batchId,
        description: `${tasks.slice(0, 2).join(', ')}${tasks.length > 2 ? '…' : ''} · ${countsDescription(members)}`,
        tooltip: `Batch \`${batchId.replace(/`/g, '')}\``,
        icon: severityIcon(members, 'layers'),
        contextValue: groupContextValue('batch', members),
        collapsible: 'collapsed',
        batchId,
      };
      nodes.set(id, node);
      g.children.push(id);
      addRunChildren(node, members, (r) => ids.batchRun(batchId, r.id));
    }
  }

  // Recent
  const recent = group(GROUP_RECENT, 'Recent', 'history', runs, 'expanded');
  roots.push(recent.id);
  addRunChildren(recent, runs, (r) => ids.run(r.id));

  return { roots, nodes, shown: runs.length, executing };
}

function sameNode(a: TreeNodeData, b: TreeNodeData): boolean {
  return (
    a.label === b.label &&
    a.description === b.description &&
    a.tooltip === b.tooltip &&
    a.icon.codicon === b.icon.codicon &&
    a.icon.color === b.icon.color &&
    a.contextValue === b.contextValue &&
    a.collapsible === b.collapsible &&
    sameList(a.children, b.children)
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface TreeDiff {
  /** Refresh everything (the root list changed, or too many nodes changed to be worth firing one by one). */
  full: boolean;
  /** Nodes to fire; none is a descendant of another (firing a node refreshes its subtree). */
  changed: string[];
}

/** The nodes whose own look or child list changed between two builds. */
export function diffTree(prev: TreeSnapshot | undefined, next: TreeSnapshot, maxChanged = 200): TreeDiff {
  if (!prev || !sameList(prev.roots, next.roots)) return { full: true, changed: [] };
  const changed = new Set<string>();
  for (const [id, node] of next.nodes) {
    const old = prev.nodes.get(id);
    if (old === undefined) continue; // new node: its parent's child list changed
    if (!sameNode(old, node)) changed.add(id);
  }
  // Keep only the topmost changed nodes.
  const top = [...changed].filter((id) => {
    for (let p = next.nodes.get(id)?.parentId; p !== undefined; p = next.nodes.get(p)?.parentId) if (changed.has(p)) return false;
    return true;
  });
  if (top.length > maxChanged) return { full: true, changed: [] };
  return { full: false, changed: top };
}
