import assert from 'node:assert/strict';
import { taskLenses } from '../../../src/extension/codelens/lensModel';
import type { TaskInfo } from '../../../src/protocol/api';
import { makeRun } from './fixtures';

describe('code lenses above task definitions', () => {
  const now = Date.parse('2026-12-07T12:00:00.000Z');
  const tasks: TaskInfo[] = [
    { id: 'chat', filePath: 'trigger/chat.ts', line: 8, exportName: 'chat' },
    { id: 'critic', filePath: 'trigger/agent.ts', line: 3, exportName: 'critic' },
    { id: 'agent-loop', filePath: 'trigger/agent.ts', line: 20, exportName: 'agentLoop' },
  ];

  it('puts ▶ Trigger and Debug above each task of the file, and its latest run (status and age) that opens it', () => {
    const runs = [
      makeRun({ id: 'run_old', taskIdentifier: 'agent-loop', status: 'FAILED', createdAt: '2026-12-07T09:00:00.000Z' }),
      makeRun({ id: 'run_new', taskIdentifier: 'agent-loop', status: 'WAITING', createdAt: '2026-12-07T11:55:00.000Z' }),
      makeRun({ id: 'run_chat', taskIdentifier: 'chat', status: 'COMPLETED', createdAt: '2026-12-07T11:59:30.000Z' }),
    ];
    assert.deepEqual(
      taskLenses('trigger/agent.ts', tasks, runs, now).map((l) => [l.line, l.title, l.command, l.args]),
      [
        [2, '$(play) Trigger', 'runlight.triggerTask', ['critic']],
        [2, '$(debug-alt) Debug', 'runlight.debugTask', ['critic']],
        [19, '$(play) Trigger', 'runlight.triggerTask', ['agent-loop']],
        [19, '$(debug-alt) Debug', 'runlight.debugTask', ['agent-loop']],
        [19, '$(debug-pause) Waiting 5m ago', 'runlight.openRun', ['run_new']],
      ],
    );
    assert.deepEqual(
      taskLenses('trigger/chat.ts', tasks, runs, now).map((l) => l.title),
      ['$(play) Trigger', '$(debug-alt) Debug', '$(pass) Completed just now'],
    );
  });

  it("puts the lenses on the line that opens the definition (the engine gives the id's line)", () => {
    const source = ['import { task } from "@trigger.dev/sdk";', '', 'export const chat = task({', '  // the model', "  id: 'chat',"];
    const chat: TaskInfo = { id: 'chat', filePath: 'trigger/chat.ts', line: 5 };
    assert.equal(taskLenses('trigger/chat.ts', [chat], [], now, (i) => source[i])[0]?.line, 2);
    // No `task(` close above: the id's line.
    assert.equal(taskLenses('trigger/chat.ts', [chat], [], now, () => '')[0]?.line, 4);
  });

  it('shows an executing run without the spin (a lens title is text), and nothing for other files', () => {
    const runs = [makeRun({ id: 'run_x', taskIdentifier: 'chat', status: 'EXECUTING', createdAt: '2026-12-07T10:00:00.000Z' })];
    assert.equal(taskLenses('trigger/chat.ts', tasks, runs, now)[2]?.title, '$(loading) Executing 2h ago');
    assert.deepEqual(taskLenses('trigger/other.ts', tasks, runs, now), []);
  });
});
