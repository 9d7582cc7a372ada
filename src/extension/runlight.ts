import * as vscode from 'vscode';
import type { RunlightApi } from './api';
import { LanguageModelTools } from './assistant/languageModelTools';
import { mcpApi, McpServerProvider } from './assistant/mcpProvider';
import { CommandRegistry } from './commands/registry';
import { COMMANDS } from './commands';
import { EngineManager } from './engine/engineManager';
import { TerminalEnvironment } from './engine/terminalEnvironment';
import { TASK_FILE_SELECTOR, TaskCodeLensProvider } from './codelens/taskCodeLens';
import { TriggerForms } from './form/triggerForms';
import { Disposable, toDisposable } from './lifecycle';
import { CompletionNotifications } from './notifications';
import { RunPanels } from './panel/runPanels';
import { RunFeed } from './runs/runFeed';
import { RunStore } from './runs/runStore';
import type { Services } from './services';
import { Settings } from './settings';
import { RunlightStatusBar } from './statusBar';
import { RunsTreeProvider } from './tree/runsTree';
import { runsViewItems } from './runsViewItems';
import { TasksTreeProvider } from './tree/tasksTree';
import { SchedulesTreeProvider } from './tree/schedulesTree';
import { describeError } from '../shared/errors';

/**
 * The root object of the extension: owns everything else. Building it is cheap — no process, no
 * network; the engine is attached or started when a Runlight view becomes visible or a command needs it.
 */
export class Runlight extends Disposable {
  readonly api: RunlightApi;
  readonly log: vscode.LogOutputChannel;
  private feed: RunFeed | undefined;
  private feedGeneration = -1;

  constructor(context: vscode.ExtensionContext) {
    super();
    const log = (this.log = this._register(vscode.window.createOutputChannel('Runlight', { log: true })));
    const settings = this._register(new Settings());
    const engine = this._register(new EngineManager(context.extensionPath, context.secrets, log, settings));
    const store = this._register(new RunStore());
    this._register(new TerminalEnvironment(context.environmentVariableCollection, engine));

    const runsTree = this._register(new RunsTreeProvider(store, settings.read(), context.workspaceState, log));
    const runsView = this._register(vscode.window.createTreeView('runlight.runs', { treeDataProvider: runsTree, showCollapseAll: true, canSelectMany: true }));
    runsTree.attachView(runsView);
    const tasksTree = this._register(new TasksTreeProvider(engine, settings));
    const tasksView = this._register(vscode.window.createTreeView('runlight.tasks', { treeDataProvider: tasksTree }));
    const lenses = this._register(new TaskCodeLensProvider(tasksTree, store, settings));
    this._register(vscode.languages.registerCodeLensProvider(TASK_FILE_SELECTOR, lenses));
    const schedulesTree = this._register(new SchedulesTreeProvider(engine, store));
    const schedulesView = this._register(vscode.window.createTreeView('runlight.schedules', { treeDataProvider: schedulesTree }));
    const panels = this._register(new RunPanels({ engine, store, extensionUri: context.extensionUri, log }, context.workspaceState));
    const forms = this._register(new TriggerForms({ workspaceState: context.workspaceState, engine, tasksTree, panels, log }));
    const statusBar = this._register(new RunlightStatusBar(engine));
    this._register(runsTree.onDidRebuild((snap) => statusBar.setExecuting(snap.executing)));
    this._register(new CompletionNotifications(store, settings));
    this._register(settings.onDidChange((s) => runsTree.setSettings(s)));

    // One workspace feed per engine connection.
    this._register(engine.onDidChangeState((state) => this.syncFeed(state.kind === 'running' ? engine.current : undefined, store, log)));
    this._register(toDisposable(() => this.feed?.dispose()));

    // Start on first need: a Runlight view becomes visible.
    const onVisible = (visible: boolean) => {
      if (!visible || !settings.read().autoStart) return;
      const k = engine.state.kind;
      if (k !== 'stopped') return; // running, starting, or needs the user (error, untrusted, no folder)
      void vscode.window
        .withProgress({ location: { viewId: 'runlight.runs' }, title: 'Starting the Runlight engine…' }, () => engine.ensureStarted())
        .then(undefined, (err: unknown) => log.warn(`Auto-start failed: ${describeError(err)}`));
    };
    this._register(runsView.onDidChangeVisibility((e) => onVisible(e.visible)));
    this._register(tasksView.onDidChangeVisibility((e) => onVisible(e.visible)));
    this._register(
      schedulesView.onDidChangeVisibility((e) => {
        schedulesTree.setVisible(e.visible);
        onVisible(e.visible);
      }),
    );
    if (schedulesView.visible) schedulesTree.setVisible(true);
    if (runsView.visible || tasksView.visible || schedulesView.visible) queueMicrotask(() => onVisible(true));

    const services: Services = {
      context,
      engine,
      store,
      runsTree,
      runsView,
      tasksTree,
      schedulesTree,
      panels,
      forms,
      settings,
      log,
      reconcileRuns: () => this.feed?.reconcile() ?? Promise.resolve(),
    };
    this._register(new CommandRegistry(services, COMMANDS));

    // For AI assistants: the engine operations as language-model tools, and `runlight mcp` where VS Code can list MCP servers.
    this._register(new LanguageModelTools(engine, log));
    const mcp = mcpApi();
    const version = (context.extension.packageJSON as { version?: string }).version ?? '0.0.0';
    let mcpOffered = false;
    try {
      if (mcp) this._register(new McpServerProvider(mcp, engine, context.extensionPath, version));
      mcpOffered = mcp !== undefined;
    } catch (err) {
      log.warn(`The MCP server is not offered to VS Code: ${describeError(err)}`); // nothing else depends on it
    }

    this.api = {
      engine: {
        url: () => (engine.state.kind === 'running' ? engine.current?.url : undefined),
        ready: async () => (await engine.ensureStarted()).url,
      },
      runs: { get: (id) => store.get(id), all: () => store.all() },
      tasks: { list: () => tasksTree.list().map((t) => t.id), watchedFiles: () => tasksTree.watchedTaskFiles },
      schedules: {
        list: () =>
          schedulesTree.list().map((x) => ({ id: x.id, task: x.task, type: x.type, active: x.active, nextRun: x.nextRun ?? null, lastRun: x.lastRun ?? null })),
      },
      openPanels: () => panels.openIds(),
      terminalEnvironment: () => {
        const env: Record<string, string> = {};
        context.environmentVariableCollection.forEach((name, mutator) => (env[name] = mutator.value));
        return env;
      },
      runsView: { children: (id) => runsViewItems(runsTree, id), filter: () => runsTree.filterChrome },
      mcpServerOffered: () => mcpOffered,
    };
  }

  private syncFeed(conn: { url: string; secretKey: string; generation: number } | undefined, store: RunStore, log: vscode.LogOutputChannel): void {
    if (conn && conn.generation === this.feedGeneration) return;
    this.feed?.dispose();
    this.feed = undefined;
    this.feedGeneration = -1;
    if (!conn || this.isDisposed) return;
    this.feedGeneration = conn.generation;
    this.feed = new RunFeed(conn.url, conn.secretKey, store, { info: (m) => log.info(m), warn: (m) => log.warn(m) });
  }
}
