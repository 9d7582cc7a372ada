import * as vscode from 'vscode';
import type { ScheduleObject } from '../../protocol/schedules';
import type { Services } from '../services';

/** The schedule a command acts on: its tree node (or id) when given, else one picked from the Schedules view's list. */
export async function resolveSchedule(s: Services, arg: unknown, title: string, only?: (x: ScheduleObject) => boolean): Promise<ScheduleObject | undefined> {
  if (typeof arg === 'string' && arg) {
    const known = s.schedulesTree.byNode(arg);
    if (known) return known;
    const conn = await s.engine.ensureStarted();
    return conn.client.retrieveSchedule(arg.replace(/^schedule:/, ''));
  }
  const all = (await s.schedulesTree.reload()).filter((x) => !only || only(x));
  if (all.length === 0) {
    void vscode.window.showInformationMessage('Runlight: no schedule to choose from.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    all.map((x) => ({ label: x.task, description: `${x.generator.expression} · ${x.timezone}`, detail: x.id, schedule: x })),
    { title, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.schedule;
}
