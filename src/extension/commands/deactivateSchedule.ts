import * as vscode from 'vscode';
import { describeError } from '../../shared/errors';
import type { CommandDef } from './command';
import { resolveSchedule } from './scheduleArgs';

export const deactivateSchedule: CommandDef = {
  id: 'runlight.deactivateSchedule',
  async run(s, arg) {
    const schedule = await resolveSchedule(s, arg, 'Schedule to deactivate', (x) => x.active);
    if (!schedule) return undefined;
    try {
      const { client } = await s.engine.ensureStarted();
      const updated = await client.deactivateSchedule(schedule.id);
      await s.schedulesTree.reload();
      vscode.window.setStatusBarMessage(`$(debug-pause) Deactivated the schedule of ${updated.task}`, 3000);
      return updated;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not deactivate the schedule: ${describeError(err)}`);
      return undefined;
    }
  },
};
