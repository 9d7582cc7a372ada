import * as vscode from 'vscode';
import { Coalescer } from '../coalescer';
import { Disposable, toDisposable } from '../lifecycle';
import type { RunStore } from '../runs/runStore';
import type { RunlightSettings } from '../settingsModel';
import { buildTree, describeFilter, diffTree, filterIsActive, type RunFilter, type TreeNodeData, type TreeSnapshot } from './model';

/** Elements of the Runs tree are node ids (see tree/model.ts), so they are stable across rebuilds. */
export type RunsElement = string;

const COALESCE_MS = 150;
/** Relative times and live durations in descriptions age: rebuild this often even without events. */
const TICK_MS = 5_000;

export class RunsTreeProvider extends Disposable implements vscode.TreeDataProvider<RunsElement> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<RunsElement | RunsElement[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly _onDidRebuild = this._register(new vscode.EventEmitter<TreeSnapshot>());
  /** After each rebuild (badge, status bar). */
  readonly onDidRebuild = this._onDidRebuild.event;

  private snapshot: TreeSnapshot | undefined;
  private filter: RunFilter = {};
  private readonly extraPages = new Map<string, number>();
  private readonly coalescer: Coalescer;
  private view: vscode.TreeView<RunsElement> | undefined;

  constructor(
    private readonly store: RunStore,
    private settings: RunlightSettings,
  ) {
    super();
    this.coalescer = this._register(new Coalescer(COALESCE_MS, () => this.rebuild()));
    this._register(store.onDidChange(() => this.coalescer.schedule()));
    const tick = setInterval(() => this.coalescer.schedule(), TICK_MS);
    this._register(toDisposable(() => clearInterval(tick)));
    this.snapshot = this.build();
  }

  attachView(view: vscode.TreeView<RunsElement>): void {
    this.view = view;
    this.updateViewChrome();
  }

  get current(): TreeSnapshot {
    return (this.snapshot ??= this.build());
  }

  get activeFilter(): RunFilter {
    return this.filter;
  }

  setSettings(settings: RunlightSettings): void {
    this.settings = settings;
    this.coalescer.flushNow();
  }

  setFilter(filter: RunFilter): void {
    this.filter = filter;
    void vscode.commands.executeCommand('setContext', 'runlight.filtered', filterIsActive(filter));
    this.coalescer.flushNow();
  }

  /** "Show more…": one more page under `parentId`. */
  showMore(parentId: string): void {
    this.extraPages.set(parentId, (this.extraPages.get(parentId) ?? 0) + 1);
    this.coalescer.flushNow();
  }

  /** Rebuild now, bypassing the coalescing delay. */
  refresh(): void {
    this.coalescer.flushNow();
  }

  node(id: string): TreeNodeData | undefined {
    return this.current.nodes.get(id);
  }

  private build(): TreeSnapshot {
    return buildTree(this.store.all(), {
      now: Date.now(),
      filter: this.filter,
      pageSize: this.settings.runsPerGroup,
      extraPages: this.extraPages,
      windowMs: this.settings.timeWindowMs,
    });
  }

  private rebuild(): void {
    const prev = this.snapshot;
    const next = this.build();
    this.snapshot = next;
    const diff = diffTree(prev, next);
    if (diff.full) this._onDidChangeTreeData.fire(undefined);
    else if (diff.changed.length) this._onDidChangeTreeData.fire(diff.changed);
    this.updateViewChrome();
    this._onDidRebuild.fire(next);
  }

  private updateViewChrome(): void {
    if (!this.view) return;
    const snap = this.current;
    this.view.badge = snap.executing > 0 ? { value: snap.executing, tooltip: `${snap.executing} run${snap.executing === 1 ? '' : 's'} executing` } : undefined;
    const f = describeFilter(this.filter);
    this.view.message = f ? `${f} (${snap.shown} shown) — Clear Filter to see all runs.` : undefined;
  }

  getTreeItem(id: RunsElement): vscode.TreeItem {
    const node = this.current.nodes.get(id);
    if (!node) return new vscode.TreeItem('(gone)');
    const state =
      node.collapsible === 'none'
        ? vscode.TreeItemCollapsibleState.None
        : node.collapsible === 'expanded'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    if (node.tooltip) item.tooltip = new vscode.MarkdownString(node.tooltip);
    item.iconPath = new vscode.ThemeIcon(node.icon.codicon, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    item.contextValue = node.contextValue;
    if (node.kind === 'run' && node.runId) {
      item.command = { command: 'runlight.openRun', title: 'Open Run', arguments: [node.id] };
      item.accessibilityInformation = { label: `${node.label}, ${node.description ?? ''}` };
    } else if (node.kind === 'more' && node.parentId) {
      item.command = { command: 'runlight.showMore', title: 'Show more', arguments: [node.id] };
    }
    return item;
  }

  getChildren(id?: RunsElement): RunsElement[] {
    const snap = this.current;
    if (id === undefined) return snap.roots;
    return snap.nodes.get(id)?.children ?? [];
  }

  getParent(id: RunsElement): RunsElement | undefined {
    return this.current.nodes.get(id)?.parentId;
  }
}
