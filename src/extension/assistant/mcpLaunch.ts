import { join } from 'node:path';

/**
 * How `runlight mcp` is launched for a workspace: by VS Code (its MCP server definition provider, with the
 * runtime of the extension host as Node) and by other MCP clients (the JSON of "Runlight: Copy MCP Configuration",
 * with `node` from their PATH). No vscode import.
 */
export interface McpLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function mcpArgs(extensionPath: string, workspace: string): string[] {
  return [join(extensionPath, 'dist', 'cli.js'), 'mcp', '--dir', workspace];
}

/** For VS Code itself: the extension host's runtime as plain Node (Electron needs ELECTRON_RUN_AS_NODE). */
export function vscodeMcpLaunch(o: { execPath: string; extensionPath: string; workspace: string; secretKey?: string }): McpLaunch {
  return {
    command: o.execPath,
    args: mcpArgs(o.extensionPath, o.workspace),
    env: { ELECTRON_RUN_AS_NODE: '1', ...(o.secretKey ? { RUNLIGHT_SECRET_KEY: o.secretKey } : {}) },
  };
}

export type McpConfigFlavour = 'mcpServers' | 'vscode';

/**
 * The configuration other MCP clients take: `{ "mcpServers": { "runlight": { command, args } } }` (Claude Desktop,
 * Cursor, Windsurf, …) or VS Code's `.vscode/mcp.json` form `{ "servers": { "runlight": { "type": "stdio", … } } }`.
 */
export function mcpConfiguration(o: { extensionPath: string; workspace: string; flavour: McpConfigFlavour; secretKey?: string }): string {
  const server = {
    ...(o.flavour === 'vscode' ? { type: 'stdio' } : {}),
    command: 'node',
    args: mcpArgs(o.extensionPath, o.workspace),
    ...(o.secretKey ? { env: { RUNLIGHT_SECRET_KEY: o.secretKey } } : {}),
  };
  const json = o.flavour === 'vscode' ? { servers: { runlight: server } } : { mcpServers: { runlight: server } };
  return JSON.stringify(json, null, 2);
}

/** True from VS Code 1.101, where the MCP server definition API is final (1.100 has a proposed one that throws for us). */
export function hasFinalMcpApi(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major > 1 || (major === 1 && minor >= 101);
}
