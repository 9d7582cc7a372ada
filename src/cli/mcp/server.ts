import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { EngineClient } from '../../client/api';
import type { Tool, ToolContext } from '../../tools';

export interface McpServerOptions {
  tools: readonly Tool[];
  version: string;
  engine: () => Promise<EngineClient>;
  /** How a person follows a run from a terminal. */
  watchHint?: (runId: string) => string;
}

const INSTRUCTIONS =
  'Runlight runs the background tasks of this workspace (Trigger.dev-style task files) on a local engine. ' +
  'list_tasks shows what can run; trigger_task starts a run and returns its id; wait_for_run waits for its result; ' +
  'get_run_stream reads the text it streamed (e.g. an LLM answer) and get_run_logs its logs.';

/**
 * The MCP server of `runlight mcp`: every tool of src/tools, registered with its zod input schema (the SDK lists
 * it as JSON Schema and validates arguments before the tool parses them again), its read/write hints, and MCP
 * progress notifications for the tools that wait, when the client sent a progressToken. No transport here.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'runlight', title: 'Runlight', version: options.version }, { instructions: INSTRUCTIONS });
  for (const tool of options.tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        annotations: {
          title: tool.title,
          readOnlyHint: !tool.writes,
          destructiveHint: tool.name === 'cancel_run',
          idempotentHint: !tool.writes,
          openWorldHint: false,
        },
      },
      async (args, extra) => {
        const token = extra._meta?.progressToken;
        const ctx: ToolContext = {
          engine: options.engine,
          signal: extra.signal,
          ...(options.watchHint ? { watchHint: options.watchHint } : {}),
          ...(token !== undefined
            ? { progress: (p) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...p } }) }
            : {}),
        };
        const result = await tool.invoke(args, ctx);
        return { content: [{ type: 'text', text: result.text }], ...(result.isError ? { isError: true } : {}) };
      },
    );
  }
  return server;
}
