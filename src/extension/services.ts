import type * as vscode from 'vscode';
import type { EngineManager } from './engine/engineManager';
import type { TriggerForms } from './form/triggerForms';
import type { RunPanels } from './panel/runPanels';
import type { RunStore } from './runs/runStore';
import type { Settings } from './settings';
import type { RunsElement, RunsTreeProvider } from './tree/runsTree';
import type { TasksTreeProvider } from './tree/tasksTree';
import type { SchedulesTreeProvider } from './tree/schedulesTree';

/** What commands get to work with. */
export interface Services {
  context: vscode.ExtensionContext;
  engine: EngineManager;
  store: RunStore;
  runsTree: RunsTreeProvider;
  runsView: vscode.TreeView<RunsElement>;
  tasksTree: TasksTreeProvider;
  schedulesTree: SchedulesTreeProvider;
  panels: RunPanels;
  /** The trigger forms (Trigger Task…, Replay with Edited Payload…). */
  forms: TriggerForms;
  settings: Settings;
  log: vscode.LogOutputChannel;
  /** Re-reads the newest runs from the engine (manual refresh). */
  reconcileRuns(): Promise<void>;
}
