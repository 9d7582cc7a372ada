import * as vscode from 'vscode';
import type { ScheduleObject } from '../../protocol/schedules';
import { Disposable, toDisposable } from '../lifecycle';
import type { EngineManager } from '../engine/engineManager';
import type { RunStore } from '../runs/runStore';
import { describeError } from '../../shared/errors';
import { scheduleNodes, type ScheduleNode } from './schedulesModel';

/** How often the view re-reads the schedules while visible ("next in 5m" moves, other clients change them). */
const RELOAD_MS = 30_000;
/** At most this many schedules are listed (pages of 100). */
const MAX_PAGES = 10;

/**
 * The Schedules view: every schedule of the engine with its next and last run; context actions activate,
 * deactivate and "Run Now". Reloaded when the engine starts, after each action, when a run triggered by a schedule
 * appears, and every 30 s while visible.
 */
export class SchedulesTreeProvider extends Disposable implements vscode.TreeDataProvider<string> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<string | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  private schedules: ScheduleObject[] = [];
  private nodes = new Map<string, ScheduleNode>();
  private order: string[] = [];
  private error: string | undefined;
  private loading: Promise<ScheduleObject[]> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private soon: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly engine: EngineManager,
    store: RunStore,
  ) {
    super();
    this._register(engine.onDidChangeState((s) => s.kind === 'running' && void this.reload()));
    // A new run a schedule triggered: its schedule's last and next run moved.
    this._register(store.onDidChange((changes) => changes.some((c) => c.previous === undefined && c.run.schedule) && this.reloadSoon()));
    this._register(
      toDisposable(() => {
        clearInterval(this.timer);
        clearTimeout(this.soon);
      }),
    );
  }

  /** Reload periodically while the view is visible. */
  setVisible(visible: boolean): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!visible) return;
    if (this.engine.state.kind === 'running') void this.reload();
    this.timer = setInterval(() => this.engine.state.kind === 'running' && void this.reload(), RELOAD_MS);
  }

  private reloadSoon(): void {
    clearTimeout(this.soon);
    this.soon = setTimeout(() => void this.reload(), 250);
  }

  list(): ScheduleObject[] {
    return [...this.schedules];
  }

  /** The schedule behind a node id (`schedule:<id>`) or a schedule id. */
  byNode(idOrNode: string): ScheduleObject | undefined {
    const node = this.nodes.get(idOrNode);
    const id = node ? node.scheduleId : idOrNode;
    return this.schedules.find((s) => s.id === id);
  }

  /** Asks the engine for its schedules again (starting the engine if needed). */
  reload(): Promise<ScheduleObject[]> {
    this.loading ??= (async () => {
      try {
        const { client } = await this.engine.ensureStarted();
        const all: ScheduleObject[] = [];
        for (let page = 1; page <= MAX_PAGES; page++) {
          const res = await client.listSchedules({ page, perPage: 100 });
          all.push(...res.data);
          if (page >= res.pagination.totalPages) break;
        }
        this.schedules = all;
        this.error = undefined;
      } catch (err) {
        this.error = describeError(err);
      } finally {
        this.loading = undefined;
        const built = scheduleNodes(this.schedules, Date.now());
        this.nodes = new Map(built.map((n) => [n.id, n]));
        this.order = built.map((n) => n.id);
        this._onDidChangeTreeData.fire(undefined);
      }
      return this.list();
    })();
    return this.loading;
  }

  getTreeItem(id: string): vscode.TreeItem {
    if (id === 'error') {
      const item = new vscode.TreeItem(this.error?.split('\n')[0] ?? '');
      item.id = id;
      item.tooltip = this.error;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      return item;
    }
    const node = this.nodes.get(id);
    const item = new vscode.TreeItem(node?.label ?? id);
    item.id = id;
    if (node) {
      item.description = node.description;
      item.tooltip = new vscode.MarkdownString(node.tooltip);
      item.contextValue = node.contextValue;
      item.iconPath = new vscode.ThemeIcon(node.icon.codicon, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    }
    return item;
  }

  getChildren(id?: string): string[] {
    if (id !== undefined) return [];
    return this.error ? [...this.order, 'error'] : [...this.order];
  }

  getParent(): undefined {
    return undefined;
  }
}
