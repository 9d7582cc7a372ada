import * as vscode from 'vscode';
import { describeError } from '../../shared/errors';
import type { CommandDef } from './command';
import { resolveSchedule } from './scheduleArgs';

export const activateSchedule: CommandDef = {
  id: 'runlight.activateSchedule',
  async run(s, arg) {
    const schedule = await resolveSchedule(s, arg, 'Schedule to activate', (x) => !x.active);
    if (!schedule) return undefined;
    try {
      const { client } = await s.engine.ensureStarted();
      const updated = await client.activateSchedule(schedule.id);
      await s.schedulesTree.reload();
      vscode.window.setStatusBarMessage(`$(clock) Activated the schedule of ${updated.task}`, 3000);
      return updated;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not activate the schedule: ${describeError(err)}`);
      return undefined;
    }
  },
};
