import * as vscode from 'vscode';
import { ensureSecretKey } from '../../client/engine-file';
import type { EngineManager } from '../engine/engineManager';
import { Disposable } from '../lifecycle';
import { hasFinalMcpApi, vscodeMcpLaunch } from './mcpLaunch';

/**
 * The part of VS Code's MCP server definition API (1.101+) used here. `engines.vscode` stays ^1.100.0 and
 * @types/vscode 1.100 has none of it, so it is described locally and only used where the running VS Code has it.
 */
interface StdioDefinition {
  readonly label: string;
  command: string;
  args: string[];
  env: Record<string, string | number | null>;
  version?: string;
}
type StdioDefinitionCtor = new (
  label: string,
  command: string,
  args?: string[],
  env?: Record<string, string | number | null>,
  version?: string,
) => StdioDefinition;
interface DefinitionProvider {
  readonly onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): StdioDefinition[];
  resolveMcpServerDefinition?(server: StdioDefinition, token: vscode.CancellationToken): Promise<StdioDefinition | undefined>;
}
interface McpApi {
  register(id: string, provider: DefinitionProvider): vscode.Disposable;
  Definition: StdioDefinitionCtor;
}

/**
 * VS Code's MCP definition API, when this VS Code has it in its final form (1.100 has a proposed one of the same
 * name that wants another contribution point and throws).
 */
export function mcpApi(): McpApi | undefined {
  if (!hasFinalMcpApi(vscode.version)) return undefined;
  const lm: object = vscode.lm;
  const ns: object = vscode;
  const register: unknown = Reflect.get(lm, 'registerMcpServerDefinitionProvider');
  const Definition: unknown = Reflect.get(ns, 'McpStdioServerDefinition');
  if (typeof register !== 'function' || typeof Definition !== 'function') return undefined;
  return {
    register: (id, provider) => Reflect.apply(register, lm, [id, provider]) as vscode.Disposable,
    Definition: Definition as StdioDefinitionCtor,
  };
}

/** package.json `contributes.mcpServerDefinitionProviders[].id`. */
export const MCP_PROVIDER_ID = 'runlight.mcp';

/**
 * Offers `runlight mcp` for the open workspace to VS Code's MCP support (chat agent mode lists its tools), where
 * the running VS Code has the API. The secret key is added only when VS Code starts the server (resolve), so it is
 * never part of a definition VS Code may cache.
 */
export class McpServerProvider extends Disposable {
  constructor(api: McpApi, engine: EngineManager, extensionPath: string, version: string) {
    super();
    const changed = this._register(new vscode.EventEmitter<void>());
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()));
    const launch = (secretKey?: string) => {
      const folder = engine.workspaceFolder;
      if (!folder || !vscode.workspace.isTrusted) return undefined;
      return vscodeMcpLaunch({ execPath: process.execPath, extensionPath, workspace: folder.uri.fsPath, secretKey });
    };
    this._register(
      api.register(MCP_PROVIDER_ID, {
        onDidChangeMcpServerDefinitions: changed.event,
        provideMcpServerDefinitions: () => {
          const l = launch();
          return l ? [new api.Definition('Runlight', l.command, l.args, l.env, version)] : [];
        },
        resolveMcpServerDefinition: async (server) => {
          const folder = engine.workspaceFolder;
          const key = engine.current?.secretKey ?? (folder ? await ensureSecretKey(folder.uri.fsPath) : undefined);
          const l = launch(key);
          if (!l) return undefined;
          server.env = { ...server.env, ...l.env };
          return server;
        },
      }),
    );
  }
}
