import * as vscode from 'vscode';
import { describeError } from '../../shared/errors';
import type { CommandDef } from './command';
import { resolveSchedule } from './scheduleArgs';

/** "Run Now": triggers the schedule's task with a schedule payload for this moment; the schedule's ticks are unchanged. */
export const runScheduleNow: CommandDef = {
  id: 'runlight.runScheduleNow',
  async run(s, arg) {
    const schedule = await resolveSchedule(s, arg, 'Schedule to run now');
    if (!schedule) return undefined;
    try {
      const { client } = await s.engine.ensureStarted();
      const { id } = await client.runSchedule(schedule.id);
      vscode.window.setStatusBarMessage(`$(play) Triggered ${schedule.task}: ${id}`, 3000);
      return id;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not run the schedule now: ${describeError(err)}`);
      return undefined;
    }
  },
};
