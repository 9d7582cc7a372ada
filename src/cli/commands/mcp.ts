import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { version } from '../../../package.json';
import { ToolError, toolsFor } from '../../tools';
import { describeError } from '../../shared/errors';
import type { Command } from '../args';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { createMcpServer } from '../mcp/server';
import { WorkspaceEngine } from '../mcp/workspace-engine';
import { shellQuote } from '../quote';

/**
 * `runlight mcp`: a Model Context Protocol server on stdin/stdout for the workspace's engine (attached, or started
 * in this process when none runs, on the first tool call). It ends when the client closes stdin or on SIGINT/SIGTERM. Logs go to stderr:
 * stdout carries only protocol messages.
 */
export async function mcpCommand(cmd: Extract<Command, { kind: 'mcp' }>, ctx: CliContext): Promise<number> {
  const log = (line: string) => ctx.err(`runlight mcp: ${line}\n`);
  const engine = new WorkspaceEngine(cmd.dir, ctx.env, log);
  const server = createMcpServer({
    tools: toolsFor({ readOnly: cmd.readOnly }),
    version,
    // Not finding or starting the engine is said as it is (CliError messages are written for people and models alike).
    engine: () =>
      engine.client().catch((error: unknown) => {
        throw error instanceof CliError ? new ToolError(error.message) : error;
      }),
    watchHint: (runId) => `A person can follow it in a terminal with: runlight watch ${runId} --dir ${shellQuote(cmd.dir)}`,
  });
  const transport = new StdioServerTransport();
  const ended = new Promise<string>((resolve) => {
    process.stdin.once('end', () => resolve('the client closed stdin'));
    process.stdin.once('close', () => resolve('the client closed stdin'));
    const off = ctx.onSignal((signal) => {
      off();
      resolve(signal);
    });
  });
  await server.connect(transport);
  log(`serving ${cmd.readOnly ? 'the read-only tools' : 'every tool'} for ${cmd.dir}`);
  // The engine is attached or started by the first tool call, not before: an MCP client may start servers it never
  // calls (VS Code can start one when a chat begins), and a workspace engine runs task code.
  const why = await ended;
  log(`stopping (${why})`);
  await server.close().catch(() => undefined);
  await engine.close().catch((error: unknown) => log(`error while stopping the engine: ${describeError(error)}`));
  return 0;
}
