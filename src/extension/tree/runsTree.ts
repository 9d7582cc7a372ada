import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import type { RunStore } from '../runs/runStore';
import type { RunlightSettings } from '../settingsModel';
import type { Run } from '../../protocol/run';
import { describeFilter, type TreeNodeData, type TreeSnapshot } from './model';
import { TreeRefresher, type TreeLayout } from './refresher';
import { EMPTY_QUERY, parseRunQuery, queryIsActive, type RunQuery } from './runQuery';

/** workspaceState key of the Runs view's filter text. */
export const FILTER_STATE_KEY = 'runlight.runs.filter';

/** Elements of the Runs tree are node ids (see tree/model.ts), so they are stable across rebuilds. */
export type RunsElement = string;

export class RunsTreeProvider extends Disposable implements vscode.TreeDataProvider<RunsElement> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<RunsElement | RunsElement[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly _onDidRebuild = this._register(new vscode.EventEmitter<TreeSnapshot>());
  /** After each rebuild (badge, status bar). */
  readonly onDidRebuild = this._onDidRebuild.event;

  private readonly refresher: TreeRefresher;
  private view: vscode.TreeView<RunsElement> | undefined;

  constructor(
    store: RunStore,
    settings: RunlightSettings,
    private readonly state: vscode.Memento,
    private readonly log?: { warn(message: string): void },
  ) {
    super();
    this.refresher = this._register(new TreeRefresher(store, layoutOf(settings)));
    this.restoreFilter();
    this._register(
      this.refresher.onDidRefresh(({ diff, snapshot }) => {
        if (diff.full) this._onDidChangeTreeData.fire(undefined);
        else if (diff.changed.length) this._onDidChangeTreeData.fire(diff.changed);
        this.updateViewChrome();
        this._onDidRebuild.fire(snapshot);
      }),
    );
  }

  attachView(view: vscode.TreeView<RunsElement>): void {
    this.view = view;
    this.updateViewChrome();
  }

  get current(): TreeSnapshot {
    return this.refresher.current;
  }

  get activeFilter(): RunQuery {
    return this.refresher.activeFilter;
  }

  /** What the view shows of the filter: its text (the view's description) and the message above the tree. */
  get filterChrome(): { text: string; description: string | undefined; message: string | undefined } {
    return { text: this.activeFilter.text, description: this.view?.description, message: this.view?.message };
  }

  setSettings(settings: RunlightSettings): void {
    this.refresher.setLayout(layoutOf(settings));
  }

  /**
   * Filters the view. `persist: false` previews it (while the filter box is open): the filter kept in the
   * workspace state, which the view gets back after a reload, is left as it was.
   */
  setFilter(filter: RunQuery, { persist = true }: { persist?: boolean } = {}): void {
    const active = queryIsActive(filter) ? filter : EMPTY_QUERY;
    void vscode.commands.executeCommand('setContext', 'runlight.filtered', queryIsActive(active));
    if (persist) void this.state.update(FILTER_STATE_KEY, active.text || undefined);
    this.refresher.setFilter(active);
    this.updateViewChrome();
  }

  /** The runs a tag or batch group stands for, as the view shows them (see TreeRefresher.runsOf). */
  runsOf(group: { tag: string } | { batchId: string }): Run[] {
    return this.refresher.runsOf(group);
  }

  private restoreFilter(): void {
    const saved = this.state.get<unknown>(FILTER_STATE_KEY);
    if (typeof saved !== 'string' || !saved.trim()) return;
    const parsed = parseRunQuery(saved);
    if (parsed.ok) this.setFilter(parsed.query, { persist: false });
    else this.log?.warn(`The saved Runs filter "${saved}" is not used: ${parsed.errors.join('; ')}`);
  }

  /** "Show more…": one more page under `parentId`. */
  showMore(parentId: string): void {
    this.refresher.showMore(parentId);
  }

  /** Rebuild now, bypassing the coalescing delay. */
  refresh(): void {
    this.refresher.refresh();
  }

  node(id: string): TreeNodeData | undefined {
    return this.current.nodes.get(id);
  }

  private updateViewChrome(): void {
    if (!this.view) return;
    const snap = this.current;
    this.view.badge = snap.executing > 0 ? { value: snap.executing, tooltip: `${snap.executing} run${snap.executing === 1 ? '' : 's'} executing` } : undefined;
    const filter = this.activeFilter;
    this.view.message = describeFilter(filter, snap.shown);
    this.view.description = queryIsActive(filter) ? filter.text : undefined;
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

function layoutOf(settings: RunlightSettings): TreeLayout {
  return { pageSize: settings.runsPerGroup, windowMs: settings.timeWindowMs };
}
