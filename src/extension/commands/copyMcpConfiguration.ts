import * as vscode from 'vscode';
import { mcpConfiguration, type McpConfigFlavour } from '../assistant/mcpLaunch';
import { readSecretKey } from '../../client/engine-file';
import type { CommandDef } from './command';

interface Options {
  flavour?: McpConfigFlavour;
  /** Put the running engine's key in the configuration when clients could not read it from .runlight/secret-key. */
  includeKey?: boolean;
}

/**
 * Copies the JSON other MCP clients take to start `runlight mcp` for this workspace. When the running engine uses
 * another key than `.runlight/secret-key` (a remote engine's), it asks whether to include it.
 * Arguments (tests, other extensions): `{ flavour: 'mcpServers' | 'vscode', includeKey }`. Returns the JSON.
 */
export const copyMcpConfiguration: CommandDef = {
  id: 'runlight.copyMcpConfiguration',
  async run(s, arg) {
    const o: Options = arg && typeof arg === 'object' ? (arg as Options) : {};
    const folder = s.engine.workspaceFolder;
    if (!folder) {
      void vscode.window.showWarningMessage('Runlight: open a folder first; the MCP server serves the engine of a workspace.');
      return undefined;
    }
    const flavour =
      o.flavour ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'Claude Desktop, Cursor, Windsurf and most MCP clients', description: '"mcpServers"', flavour: 'mcpServers' as const },
            { label: 'VS Code (.vscode/mcp.json)', description: '"servers"', flavour: 'vscode' as const },
          ],
          { title: 'Copy MCP Configuration for…' },
        )
      )?.flavour;
    if (!flavour) return undefined;
    const workspace = folder.uri.fsPath;
    const running = s.engine.state.kind === 'running' ? s.engine.current : undefined;
    let secretKey: string | undefined;
    if (running && running.secretKey !== (await readSecretKey(workspace, {}))) {
      let include = o.includeKey;
      if (include === undefined) {
        const answer = await vscode.window.showWarningMessage(
          'The engine Runlight uses has another secret key than .runlight/secret-key, so other clients cannot read it from there. Include it in the configuration?',
          {
            modal: true,
            detail:
              'Anyone who can read the configuration file can then use this engine. Without it, the client can use the engine only when VS Code is not running it.',
          },
          'Include Key',
          'Without Key',
        );
        if (answer === undefined) return undefined;
        include = answer === 'Include Key';
      }
      if (include) secretKey = running.secretKey;
    }
    const json = mcpConfiguration({ extensionPath: s.context.extensionPath, workspace, flavour, secretKey });
    await vscode.env.clipboard.writeText(json);
    vscode.window.setStatusBarMessage('$(copy) Copied the MCP configuration of Runlight', 4000);
    s.log.info(`Copied the MCP configuration (${flavour}${secretKey ? ', with the secret key' : ''}) for ${workspace}.`);
    return json;
  },
};
