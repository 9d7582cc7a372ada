import * as vscode from 'vscode';
import { RunStatus } from '../../protocol/run';
import type { CommandDef } from './command';
import type { Services } from '../services';
import { parseRunQuery, queryTextOf, type RunQuery } from '../tree/runQuery';

const PROMPT =
  'status:failed · tag:user:42 (tag:user:* for a prefix) · task:chat · batch:<id> · -token excludes · other words match run and task ids · empty shows every run';

/**
 * Filters the Runs view with a text filter (tree/runQuery.ts). From the palette or the view's title bar: a box
 * prefilled with the current filter that filters the view as you type (a bad token is named under the box and
 * changes nothing); Enter keeps the filter (also across reloads), Escape puts the previous one back.
 * Other callers pass the filter text (or `{ query }`, or the older `{ statuses, taskIds }`) and get the filter
 * text now active; a bad filter throws with every bad token named.
 */
export const filterRuns: CommandDef = {
  id: 'runlight.filterRuns',
  async run(s, arg) {
    const given = textOfArg(arg);
    if (given !== undefined) {
      const parsed = parseRunQuery(given);
      if (!parsed.ok) throw new Error(`Runlight: bad filter: ${parsed.errors.join('; ')}`);
      s.runsTree.setFilter(parsed.query);
      return s.runsTree.activeFilter.text;
    }
    const chosen = await askFilter(s);
    return chosen?.text;
  },
};

function textOfArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as Record<string, unknown>;
  if (typeof o.query === 'string') return o.query;
  const statuses = Array.isArray(o.statuses) ? o.statuses.filter((x): x is RunStatus => RunStatus.safeParse(x).success) : undefined;
  const taskIds = Array.isArray(o.taskIds) ? o.taskIds.filter((x): x is string => typeof x === 'string') : undefined;
  return statuses || taskIds ? queryTextOf(statuses, taskIds) : undefined;
}

function askFilter(s: Services): Promise<RunQuery | undefined> {
  const previous = s.runsTree.activeFilter;
  const box = vscode.window.createInputBox();
  box.title = 'Filter Runs';
  box.value = previous.text;
  box.valueSelection = [0, previous.text.length];
  box.placeholder = 'status:failed tag:user:42 task:chat run_…';
  box.prompt = PROMPT;
  return new Promise((resolve) => {
    let accepted: RunQuery | undefined;
    let current: RunQuery | undefined = previous;
    const subs: vscode.Disposable[] = [];
    const preview = (value: string): void => {
      const parsed = parseRunQuery(value);
      if (parsed.ok) {
        current = parsed.query;
        box.validationMessage = undefined;
        s.runsTree.setFilter(parsed.query, { persist: false });
      } else {
        current = undefined;
        box.validationMessage = { message: parsed.errors.join(' · '), severity: vscode.InputBoxValidationSeverity.Error };
      }
    };
    subs.push(
      box.onDidChangeValue(preview),
      box.onDidAccept(() => {
        if (!current) return; // the box says what is wrong
        accepted = current;
        s.runsTree.setFilter(current);
        box.hide();
      }),
      box.onDidHide(() => {
        if (!accepted) s.runsTree.setFilter(previous, { persist: false });
        for (const d of subs) d.dispose();
        box.dispose();
        resolve(accepted);
      }),
    );
    box.show();
  });
}
