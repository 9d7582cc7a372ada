// Debugging a run in the real extension host: a breakpoint set in a task file of the workspace, `runlight.debugTask`
// with direct arguments, and VS Code's JavaScript debugger (bundled with the host) stops on that TypeScript line;
// continued, the run completes and the debug session ends with its worker.
import * as assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { eventually, isRunlight, runReaches, runlight, tasksIndexed, type RunlightApi } from './helpers';

interface Stop {
  session: vscode.DebugSession;
  threadId: number;
  reason: string;
}

describe('debug a run', function () {
  this.timeout(180_000);
  let api: RunlightApi;
  const stops: Stop[] = [];
  const ended: vscode.DebugSession[] = [];
  const begun: vscode.DebugSession[] = [];
  const disposables: vscode.Disposable[] = [];
  let breakpoint: vscode.SourceBreakpoint | undefined;

  before(async function () {
    if (!isRunlight()) this.skip();
    api = await runlight();
    await api.engine.ready();
    await tasksIndexed(api, ['progress-task']);
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (m: { type?: string; event?: string; body?: { threadId?: number; reason?: string } }) => {
            if (m.type === 'event' && m.event === 'stopped' && m.body?.threadId !== undefined) {
              stops.push({ session, threadId: m.body.threadId, reason: m.body.reason ?? '' });
            }
          },
        }),
      }),
      vscode.debug.onDidStartDebugSession((s) => begun.push(s)),
      vscode.debug.onDidTerminateDebugSession((s) => ended.push(s)),
    );
  });

  after(async () => {
    if (breakpoint) vscode.debug.removeBreakpoints([breakpoint]);
    await vscode.debug.stopDebugging();
    for (const d of disposables) d.dispose();
  });

  it('runlight.debugTask stops at a breakpoint in trigger/progress-task.ts, and the run completes once continued', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!;
    const uri = vscode.Uri.joinPath(folder.uri, 'trigger', 'progress-task.ts');
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const line = text.split('\n').findIndex((l) => l.includes("metadata.set('status', 'done')"));
    assert.ok(line > 0, 'the line to break on');
    breakpoint = new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(line, 4)));
    vscode.debug.addBreakpoints([breakpoint]);

    const started = Date.now();
    const runId = await vscode.commands.executeCommand<string | undefined>('runlight.debugTask', {
      taskId: 'progress-task',
      payload: { total: 2, stepMs: 10 },
      tags: ['debug-it'],
    });
    assert.ok(typeof runId === 'string' && runId.startsWith('run_'), `a run id, not ${String(runId)}`);
    const session = await eventually('a Runlight debug session', () => begun.find((s) => s.name === 'Runlight: progress-task'), 30_000);
    assert.ok(api.openPanels().includes(runId), "the run's panel is open");
    assert.equal(session.configuration.request, 'attach');
    assert.equal(session.configuration.address, '127.0.0.1');
    const attachedAfter = Date.now() - started;

    const stop = await eventually('the debugger to stop at the breakpoint', () => stops[0], 90_000);
    const stoppedAfter = Date.now() - started;
    const trace = (await stop.session.customRequest('stackTrace', { threadId: stop.threadId, levels: 1 })) as {
      stackFrames: { line: number; source?: { path?: string } }[];
    };
    const top = trace.stackFrames[0]!;
    assert.equal(stop.reason, 'breakpoint');
    // In a web host the debugger names the file by its remote URI (vscode-remote://host/<path>); else by its path.
    assert.ok(top.source?.path?.endsWith(uri.path), `stopped in ${top.source?.path}, not ${uri.path}`);
    assert.equal(top.line, line + 1, `stopped at line ${top.line}, not ${line + 1}`);
    // Stopped: the run is executing, not finished.
    assert.equal(api.runs.get(runId)?.status ?? 'EXECUTING', 'EXECUTING');

    await stop.session.customRequest('continue', { threadId: stop.threadId });
    const run = await runReaches(api, runId, 'COMPLETED', 60_000);
    assert.deepEqual(run.output, { total: 2 });
    assert.deepEqual(run.tags, ['debug-it']);
    // The run's worker stops after the run: so does the debug session.
    await eventually('the debug session to end', () => (ended.includes(session) ? true : undefined), 30_000);
    // A figure for the report the runner prints (not asserted).
    const figure = `      (debug run in the host: session up ${attachedAfter} ms, stopped at the breakpoint ${stoppedAfter} ms after the command)`;
    if (process.env.RUNLIGHT_TEST_OUTPUT) appendFileSync(process.env.RUNLIGHT_TEST_OUTPUT, `${figure}\n`);
  });

  it('runlight.debugReplay runs a finished run again under the debugger, with the same payload and tags', async () => {
    if (breakpoint) vscode.debug.removeBreakpoints([breakpoint]);
    breakpoint = undefined;
    const first = api.runs.all().find((r) => r.taskIdentifier === 'progress-task' && r.tags.includes('debug-it') && r.status === 'COMPLETED');
    assert.ok(first, 'the debugged run of the test before');
    const sessionsBefore = begun.length;
    const replayId = await vscode.commands.executeCommand<string | undefined>('runlight.debugReplay', first.id);
    assert.ok(typeof replayId === 'string' && replayId !== first.id, `a new run id, not ${String(replayId)}`);
    const session = await eventually(
      'a debug session for the replay',
      () => begun.slice(sessionsBefore).find((s) => s.name === 'Runlight: progress-task'),
      30_000,
    );
    const run = await runReaches(api, replayId, 'COMPLETED', 90_000);
    assert.deepEqual(run.payload, { total: 2, stepMs: 10 });
    assert.deepEqual(run.tags, ['debug-it']);
    assert.deepEqual(run.output, { total: 2 });
    await eventually("the replay's debug session to end", () => (ended.includes(session) ? true : undefined), 30_000);
  });

  it('refuses bad direct arguments, naming the field', async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('runlight.debugTask', { taskId: 'progress-task', tags: 'not-a-list' })), /tags: /);
  });
});
