// Runlight's language-model tools in the real extension host: listed in vscode.lm.tools, invoked with
// vscode.lm.invokeTool (as agent mode does) against the engine the extension manages; and the MCP configuration command.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, isRunlight, runReaches, runlight, uniqueTag, type RunlightApi } from './helpers';

const NAMES = [
  'list_tasks',
  'trigger_task',
  'get_run',
  'list_runs',
  'wait_for_run',
  'get_run_logs',
  'get_run_stream',
  'cancel_run',
  'replay_run',
  'list_wait_tokens',
  'complete_wait_token',
].map((n) => `runlight_${n}`);

function textOf(result: vscode.LanguageModelToolResult): string {
  return result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
}

async function invoke(name: string, input: object): Promise<string> {
  return textOf(await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined }));
}

describe('language-model tools', function () {
  this.timeout(90_000);
  let api: RunlightApi;

  before(async function () {
    if (!isRunlight() || typeof vscode.lm?.invokeTool !== 'function') this.skip();
    api = await runlight();
    await api.engine.ready();
  });

  it('vscode.lm.tools lists every Runlight tool with its input schema', async () => {
    const tools = await eventually('the Runlight tools', () => {
      const ours = vscode.lm.tools.filter((t) => t.name.startsWith('runlight_'));
      return ours.length === NAMES.length ? ours : undefined;
    });
    assert.deepEqual(tools.map((t) => t.name).sort(), [...NAMES].sort());
    const trigger = tools.find((t) => t.name === 'runlight_trigger_task')!;
    assert.deepEqual((trigger.inputSchema as { required?: string[] }).required, ['taskId']);
    assert.ok(trigger.tags.includes('runlight-writes'));
  });

  it('invokeTool triggers chat, then waits for it and reads its streamed text', async function () {
    this.timeout(150_000); // a cold engine on a busy machine
    // Outside a chat request this VS Code runs the tool without showing its confirmation (agent mode shows it inline);
    // what the confirmation says is checked by test/unit/tools.
    const tag = uniqueTag('lm');
    const triggered = await invoke('runlight_trigger_task', { taskId: 'chat', payload: { prompt: 'from a tool' }, tags: [tag] });
    const runId = /run (run_\w+)/.exec(triggered)?.[1];
    assert.ok(runId, triggered);
    assert.match(triggered, /runlight_wait_for_run/, 'tool names as VS Code knows them');

    const waited = await invoke('runlight_wait_for_run', { runId, timeoutSeconds: 120 });
    assert.match(waited, new RegExp(`^Run ${runId} finished: COMPLETED\\.`));
    const stream = await invoke('runlight_get_run_stream', { runId });
    assert.match(stream, /Hello from the local model! You asked: "from a tool"\./);
    // the same run, live in the extension's own view of the engine
    const run = await runReaches(api, runId, 'COMPLETED');
    assert.deepEqual(run.tags, [tag]);
    const listed = await invoke('runlight_list_runs', { tags: [tag] });
    assert.match(listed, new RegExp(`^1 run:\\n- ${runId} · chat · COMPLETED`));
  });

  it('a bad argument fails the call with a message naming the field', async () => {
    await assert.rejects(Promise.resolve(vscode.lm.invokeTool('runlight_get_run', { input: { runId: 42 }, toolInvocationToken: undefined })), /runId/);
  });

  it('Runlight: Copy MCP Configuration gives the JSON other MCP clients take', async () => {
    const json = await vscode.commands.executeCommand<string>('runlight.copyMcpConfiguration', { flavour: 'mcpServers', includeKey: false });
    const config = JSON.parse(json) as { mcpServers: { runlight: { command: string; args: string[] } } };
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    assert.equal(config.mcpServers.runlight.command, 'node');
    assert.deepEqual(config.mcpServers.runlight.args.slice(1), ['mcp', '--dir', folder]);
    assert.match(config.mcpServers.runlight.args[0]!, /dist[\\/]cli\.js$/);
    assert.equal(await vscode.env.clipboard.readText(), json);
  });

  it('runlight mcp is offered to VS Code where it has the final MCP server definition API (1.101+)', () => {
    const [major = 0, minor = 0] = vscode.version.split('.').map(Number);
    assert.equal(api.mcpServerOffered?.(), major > 1 || minor >= 101, `VS Code ${vscode.version}`);
  });
});
