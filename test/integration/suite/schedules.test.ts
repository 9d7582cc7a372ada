// The Schedules view: a schedules.task saved in the workspace shows up with its next run; Run Now, Deactivate and
// Activate act on it through the commands the view's menus call.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, isRunlight, runlight, type RunlightApi } from './helpers';

const FILE = 'nightly-schedule.ts';

describe('schedules view', function () {
  this.timeout(240_000);
  let api: RunlightApi;
  let folder: string;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
    folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    // The engine watches the task folders once its first build is done: write the file after it.
    await eventually(
      'the demo tasks',
      async () => {
        await vscode.commands.executeCommand('runlight.refresh');
        return api.tasks.list().includes('chat') ? true : undefined;
      },
      120_000,
    );
  });

  after(function () {
    if (!isRunlight()) return;
    rmSync(join(folder, 'trigger', FILE), { force: true });
  });

  it('lists a declarative schedule; Run Now triggers it with a schedule payload; Deactivate and Activate switch it', async () => {
    writeFileSync(
      join(folder, 'trigger', FILE),
      "import { schedules } from '@trigger.dev/sdk';\n" +
        "export const nightly = schedules.task({ id: 'nightly-report', cron: { pattern: '0 3 * * *', timezone: 'Europe/Paris' },\n" +
        '  run: async (p) => ({ scheduleId: p.scheduleId, isDate: p.timestamp instanceof Date, upcoming: p.upcoming.length }) });\n',
    );
    const listed = await eventually(
      'the schedule in the Schedules view',
      async () => {
        await vscode.commands.executeCommand('runlight.refresh');
        return api.schedules.list().find((s) => s.task === 'nightly-report');
      },
      60_000,
    );
    assert.equal(listed.type, 'DECLARATIVE');
    assert.equal(listed.active, true);
    assert.ok(listed.nextRun && Date.parse(listed.nextRun) > Date.now());

    const runId = await vscode.commands.executeCommand<string>('runlight.runScheduleNow', `schedule:${listed.id}`);
    assert.ok(runId, 'Run Now returns the run id');
    const run = await eventually(
      'the run to complete',
      () => {
        const r = api.runs.get(runId);
        return r?.status === 'COMPLETED' ? r : undefined;
      },
      60_000,
    );
    assert.deepEqual(run.output, { scheduleId: listed.id, isDate: true, upcoming: 10 });

    await vscode.commands.executeCommand('runlight.deactivateSchedule', `schedule:${listed.id}`);
    const paused = api.schedules.list().find((s) => s.id === listed.id);
    assert.deepEqual([paused?.active, paused?.nextRun], [false, null]);
    await vscode.commands.executeCommand('runlight.activateSchedule', `schedule:${listed.id}`);
    assert.equal(api.schedules.list().find((s) => s.id === listed.id)?.active, true);
  });
});
