import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasFinalMcpApi, mcpConfiguration, vscodeMcpLaunch } from '../../../src/extension/assistant/mcpLaunch';
import { TOOLS, toolsFor } from '../../../src/tools';
import { languageModelToolEntry, withLmToolNames } from '../../../src/tools/manifest';
import { inputJsonSchema } from '../../../src/tools/schemas';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
  contributes: { languageModelTools: unknown[]; mcpServerDefinitionProviders: unknown[]; commands: { command: string }[] };
};

describe('tools: the VS Code manifest and the MCP configuration', () => {
  it('package.json declares every tool as a language-model tool with the input schema the tools parse with', () => {
    // After changing a tool or its input: regenerate with languageModelToolEntry(tool, inputJsonSchema(tool)).
    assert.deepEqual(
      pkg.contributes.languageModelTools,
      TOOLS.map((t) => languageModelToolEntry(t, inputJsonSchema(t))),
    );
    assert.deepEqual(pkg.contributes.mcpServerDefinitionProviders, [{ id: 'runlight.mcp', label: 'Runlight' }]);
    assert.ok(pkg.contributes.commands.some((c) => c.command === 'runlight.copyMcpConfiguration'));
  });

  it('read-only leaves the tools that change nothing; writes are the four that do', () => {
    assert.deepEqual(
      TOOLS.filter((t) => t.writes).map((t) => t.name),
      ['trigger_task', 'cancel_run', 'replay_run', 'complete_wait_token'],
    );
    assert.ok(toolsFor({ readOnly: true }).every((t) => !t.writes));
    const args: Record<string, object> = { trigger_task: { taskId: 'chat', payload: { prompt: 'hi' } }, complete_wait_token: { tokenId: 'waitpoint_1' } };
    for (const t of TOOLS.filter((x) => x.writes)) {
      const c = t.confirmation(args[t.name] ?? { runId: 'run_1' });
      assert.ok(c, t.name);
      assert.match(c.title, /\?$/);
    }
    assert.match(TOOLS.find((t) => t.name === 'trigger_task')!.confirmation(args.trigger_task)!.message, /"prompt": "hi"/);
    assert.equal(TOOLS.find((t) => t.name === 'get_run')!.confirmation({ runId: 'run_1' }), undefined);
  });

  it('tool inputs parse with errors naming the field', async () => {
    const trigger = TOOLS.find((t) => t.name === 'trigger_task')!;
    const r = await trigger.invoke({ taskId: 3, tags: ['ok', ''], extra: 1 }, { engine: () => Promise.reject(new Error('not reached')) });
    assert.equal(r.isError, true);
    assert.match(r.text, /^Invalid arguments for trigger_task:\n/);
    assert.match(r.text, /^taskId: Invalid input: expected string, received number$/m);
    assert.match(r.text, /^tags\.1: Too small: expected string to have >=1 characters$/m);
    assert.match(r.text, /^extra: not an argument of this tool$/m);
  });

  it('names tools the VS Code way in texts for VS Code', () => {
    assert.equal(
      withLmToolNames('use wait_for_run, then get_run_stream or get_run'),
      'use runlight_wait_for_run, then runlight_get_run_stream or runlight_get_run',
    );
  });

  it('the MCP configuration for other clients and for VS Code itself', () => {
    const json = JSON.parse(mcpConfiguration({ extensionPath: '/ext', workspace: '/ws', flavour: 'mcpServers' })) as unknown;
    assert.deepEqual(json, { mcpServers: { runlight: { command: 'node', args: ['/ext/dist/cli.js', 'mcp', '--dir', '/ws'] } } });
    const vs = JSON.parse(mcpConfiguration({ extensionPath: '/ext', workspace: '/ws', flavour: 'vscode', secretKey: 'rl_dev_x' })) as unknown;
    assert.deepEqual(vs, {
      servers: { runlight: { type: 'stdio', command: 'node', args: ['/ext/dist/cli.js', 'mcp', '--dir', '/ws'], env: { RUNLIGHT_SECRET_KEY: 'rl_dev_x' } } },
    });
    assert.deepEqual(vscodeMcpLaunch({ execPath: '/vscode/node', extensionPath: '/ext', workspace: '/ws' }), {
      command: '/vscode/node',
      args: ['/ext/dist/cli.js', 'mcp', '--dir', '/ws'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  });

  it('offers the MCP server to VS Code from 1.101 (the final API) only', () => {
    assert.equal(hasFinalMcpApi('1.100.3'), false);
    assert.equal(hasFinalMcpApi('1.101.0'), true);
    assert.equal(hasFinalMcpApi('1.139.1'), true);
    assert.equal(hasFinalMcpApi('2.0.0'), true);
  });
});
