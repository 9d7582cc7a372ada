import * as vscode from 'vscode';
import type { TaskInfo } from '../../protocol/api';
import type { Json } from '../../protocol/run';
import { describeError } from '../../shared/errors';
import { formatRelative } from '../../shared/format';
import { isJsonObject, type JsonObject } from '../../shared/json';
import type { EngineManager } from '../engine/engineManager';
import { Disposable } from '../lifecycle';
import type { RunPanels } from '../panel/runPanels';
import type { TasksTreeProvider } from '../tree/tasksTree';
import { FormFileSystem } from './formFileSystem';
import {
  FORM_SCHEME,
  formPath,
  formSchema,
  formText,
  optionsToSend,
  parseForm,
  SCHEMA_SCHEME,
  startPayload,
  taskIdOfPath,
  type FormOptionsInput,
} from './formModel';
import { HISTORY_KEY, LEGACY_KEY, payloadLabel, readHistory, remember, type HistoryEntry, type PayloadHistory } from './payloadHistory';

/** The command the Debug lens runs (registered by the debugging part of the extension, when it is there). */
export const DEBUG_TASK_COMMAND = 'runlight.debugTask';
export const SUBMIT_COMMAND = 'runlight.submitTriggerForm';
export const PICK_HISTORY_COMMAND = 'runlight.pickPayloadFromHistory';

export interface TriggerFormsDeps {
  workspaceState: vscode.Memento;
  engine: EngineManager;
  tasksTree: TasksTreeProvider;
  panels: RunPanels;
  log: vscode.LogOutputChannel;
}

export type SubmitMode = 'trigger' | 'debug';

/**
 * The trigger form (issue 15, item 5): a JSON document per task in an editor tab, validated and completed by VS Code's
 * JSON language from a schema we serve (`runlight-schema:`), with ▶ Trigger / Debug lenses above it; submitting
 * parses it (errors name the line or field), triggers the run and remembers the payload per task.
 */
export class TriggerForms extends Disposable implements vscode.CodeLensProvider, vscode.TextDocumentContentProvider {
  private readonly fs = this._register(new FormFileSystem());
  private readonly schemasChanged = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.schemasChanged.event;
  private readonly lensesChanged = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  /** The schemas served, by task id (to tell the JSON language when one changes). */
  private readonly served = new Map<string, string>();

  constructor(private readonly deps: TriggerFormsDeps) {
    super();
    this._register(vscode.workspace.registerFileSystemProvider(FORM_SCHEME, this.fs, { isCaseSensitive: true }));
    this._register(vscode.workspace.registerTextDocumentContentProvider(SCHEMA_SCHEME, this));
    this._register(vscode.languages.registerCodeLensProvider({ scheme: FORM_SCHEME }, this));
    this._register(deps.tasksTree.onDidChangeTreeData(() => this.tasksChanged()));
  }

  /** The tasks were listed again: a schema that changed is served anew (the JSON language re-validates the form). */
  private tasksChanged(): void {
    for (const [taskId, text] of this.served) {
      if (this.schemaText(taskId) !== text) this.schemasChanged.fire(vscode.Uri.from({ scheme: SCHEMA_SCHEME, path: formPath(taskId) }));
    }
    this.lensesChanged.fire();
  }

  private task(taskId: string): TaskInfo | undefined {
    return this.deps.tasksTree.list().find((t) => t.id === taskId);
  }

  private schemaText(taskId: string): string {
    const task = this.task(taskId);
    return JSON.stringify(formSchema({ id: taskId, ...(task?.payloadSchema ? { payloadSchema: task.payloadSchema } : {}) }), null, 2);
  }

  /** `runlight-schema:/<task id>.json`: the form's JSON Schema (the JSON language asks for it by the form's `$schema`). */
  provideTextDocumentContent(uri: vscode.Uri): string {
    const taskId = taskIdOfPath(uri.path);
    if (!taskId) return '{}';
    const text = this.schemaText(taskId);
    this.served.set(taskId, text);
    this.deps.log.debug(`Served the trigger form schema of ${taskId} (${text.length} characters).`);
    return text;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!taskIdOfPath(doc.uri.path)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, {
        title: '$(play) Trigger',
        command: SUBMIT_COMMAND,
        arguments: [doc.uri],
        tooltip: 'Trigger the task with this payload and these options (Ctrl+Enter)',
      }),
    ];
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes(DEBUG_TASK_COMMAND)) {
      lenses.push(
        new vscode.CodeLens(top, { title: '$(debug-alt) Debug', command: SUBMIT_COMMAND, arguments: [doc.uri, 'debug'], tooltip: 'Run it under the debugger' }),
      );
    }
    const taskId = taskIdOfPath(doc.uri.path)!;
    if (this.historyOf(taskId).length) {
      lenses.push(
        new vscode.CodeLens(top, { title: '$(history) History…', command: PICK_HISTORY_COMMAND, arguments: [doc.uri], tooltip: 'Use an earlier payload' }),
      );
    }
    return lenses;
  }

  private history(): PayloadHistory {
    return readHistory(this.deps.workspaceState.get(HISTORY_KEY), this.deps.workspaceState.get(LEGACY_KEY));
  }

  historyOf(taskId: string): HistoryEntry[] {
    return this.history()[taskId] ?? [];
  }

  /** Remembers a payload sent to `taskId` (newest first, ten per task). */
  async remember(taskId: string, payload: Json | undefined): Promise<void> {
    if (payload === undefined) return;
    await this.deps.workspaceState.update(HISTORY_KEY, remember(this.history(), taskId, payload, Date.now()));
    this.lensesChanged.fire();
  }

  uriOf(taskId: string): vscode.Uri {
    return vscode.Uri.from({ scheme: FORM_SCHEME, path: formPath(taskId) });
  }

  private isOpenInTab(uri: vscode.Uri): boolean {
    const key = uri.toString();
    return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key));
  }

  /**
   * Opens the form of `taskId`: the tab it already has (edits kept), or a new one with the last payload (else an
   * example of the schema, else `{}`). With `prefill` (a replay), the form shows that payload and those options.
   */
  async open(taskId: string, prefill?: { payload: Json | undefined; options: FormOptionsInput }): Promise<vscode.TextEditor> {
    const started = performance.now();
    const uri = this.uriOf(taskId);
    const task = this.task(taskId) ?? (await this.deps.tasksTree.reload()).find((t) => t.id === taskId);
    const text = prefill
      ? formText(taskId, prefill.payload, prefill.options)
      : formText(taskId, startPayload(this.historyOf(taskId)[0]?.payload, task?.payloadSchema));
    const open = this.isOpenInTab(uri);
    if (!open) this.fs.writeFile(uri, new TextEncoder().encode(text));
    const doc = await vscode.workspace.openTextDocument(uri);
    if (open && prefill && doc.getText() !== text) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
      await vscode.workspace.applyEdit(edit);
    } else if (!open && doc.getText() !== text) {
      // a closed form VS Code still holds: show the fresh start
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
      await vscode.workspace.applyEdit(edit);
      await doc.save();
    }
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    this.deps.log.info(
      `Opened the trigger form of ${taskId} in ${Math.round(performance.now() - started)} ms${task?.payloadSchema ? ' (with its payload schema)' : ''}.`,
    );
    return editor;
  }

  /**
   * Reads the form and triggers its task (or, with `debug`, runs `runlight.debugTask`). A form that does not parse
   * stays as it is: the error names the line or the field, and the cursor goes to a broken line.
   */
  async submit(uri: vscode.Uri, mode: SubmitMode = 'trigger'): Promise<string | undefined> {
    const taskId = taskIdOfPath(uri.path);
    if (uri.scheme !== FORM_SCHEME || !taskId) {
      void vscode.window.showWarningMessage('Runlight: this is not a trigger form (open one with Runlight: Trigger Task…).');
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const task = this.task(taskId) ?? (await this.deps.tasksTree.reload()).find((t) => t.id === taskId);
    if (!task) {
      void vscode.window.showErrorMessage(`Runlight: the engine lists no task "${taskId}" (see the Tasks view); the form stays open.`);
      return undefined;
    }
    const form = parseForm(doc.getText(), task.payloadSchema);
    if (!form.ok) {
      if (form.line !== undefined) {
        const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
        if (editor) {
          const at = new vscode.Position(form.line - 1, Math.max(0, (form.column ?? 1) - 1));
          editor.selection = new vscode.Selection(at, at);
          editor.revealRange(new vscode.Range(at, at));
        }
      }
      void vscode.window.showErrorMessage(`Runlight: not triggered: ${form.message}`);
      return undefined;
    }
    const options = optionsToSend(form.options);
    if (doc.isDirty) await doc.save();
    if (mode === 'debug') {
      await this.remember(taskId, form.payload);
      return vscode.commands.executeCommand<string | undefined>(DEBUG_TASK_COMMAND, { taskId, payload: form.payload, tags: options?.tags, options });
    }
    try {
      const conn = await this.deps.engine.ensureStarted();
      const { id } = await conn.client.trigger(taskId, form.payload, options);
      this.deps.log.info(`Triggered ${taskId} from its form: run ${id}`);
      await this.remember(taskId, form.payload);
      this.deps.panels.open(id);
      return id;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not trigger ${taskId}: ${describeError(err)} (the form stays open)`);
      return undefined;
    }
  }

  /** Replaces the form's payload with one of the task's earlier payloads (a quick pick; undoable). */
  async pickFromHistory(uri: vscode.Uri): Promise<Json | undefined> {
    const taskId = taskIdOfPath(uri.path);
    if (uri.scheme !== FORM_SCHEME || !taskId) {
      void vscode.window.showWarningMessage('Runlight: open a trigger form first (Runlight: Trigger Task…).');
      return undefined;
    }
    const entries = this.historyOf(taskId);
    if (!entries.length) {
      void vscode.window.showInformationMessage(`Runlight: no earlier payloads of ${taskId} yet.`);
      return undefined;
    }
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      entries.map((e) => ({ label: payloadLabel(e.payload), description: e.at ? formatRelative(new Date(e.at).toISOString(), now) : undefined, entry: e })),
      { title: `Payloads of ${taskId}`, placeHolder: 'Payload to put in the form', matchOnDescription: true },
    );
    if (!picked) return undefined;
    const doc = await vscode.workspace.openTextDocument(uri);
    let options: FormOptionsInput | JsonObject | undefined;
    try {
      const current: unknown = JSON.parse(doc.getText());
      if (isJsonObject(current) && isJsonObject(current.options)) options = current.options;
    } catch {
      // a broken form: its options start over
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), formText(taskId, picked.entry.payload, options));
    await vscode.workspace.applyEdit(edit);
    return picked.entry.payload;
  }
}
