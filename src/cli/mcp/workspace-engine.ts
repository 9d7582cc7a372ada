import { EngineClient } from '../../client/api';
import { EngineApiError } from '../../client/errors';
import { engineFilePath, isEngineAlive, readEngineInfo, readSecretKey, secretKeyPath } from '../../client/engine-file';
import type { RunningEngine } from '../../engine';
import { describeError } from '../../shared/errors';
import { CliError } from '../errors';

/**
 * The engine of a workspace for a long-lived client (`runlight mcp`): attaches to the running one (its
 * `.runlight/engine.json`, the workspace secret key), or starts one inside this process when none runs, which
 * then lives as long as this process. A failure is reported to the caller and tried again on the next call.
 */
export class WorkspaceEngine {
  private pending: Promise<EngineClient> | undefined;
  private owned: RunningEngine | undefined;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly env: Record<string, string | undefined>,
    private readonly log: (line: string) => void,
  ) {}

  /** The engine's client; attaches or starts it on first use. */
  client(): Promise<EngineClient> {
    this.pending ??= this.connect().catch((error: unknown) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  /** Stops the engine if this process started it. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pending?.catch(() => undefined);
    const owned = this.owned;
    this.owned = undefined;
    await owned?.close();
  }

  private async connect(): Promise<EngineClient> {
    const attached = await this.attach();
    if (attached) return attached;
    try {
      return await this.start();
    } catch (error) {
      // Another client may have started the workspace's engine meanwhile: use it.
      const again = await this.attach().catch(() => undefined);
      if (again) return again;
      throw error;
    }
  }

  private async attach(): Promise<EngineClient | undefined> {
    const info = await readEngineInfo(this.dir);
    if (!info || !(await isEngineAlive(info.url))) return undefined;
    const accessToken = await readSecretKey(this.dir, this.env);
    if (!accessToken) {
      throw new CliError(
        `the engine at ${info.url} (pid ${info.pid}) runs, but there is no secret key to use it: set RUNLIGHT_SECRET_KEY or let the engine write ${secretKeyPath(this.dir)}`,
      );
    }
    const client = new EngineClient({ baseURL: info.url, accessToken });
    try {
      await client.listRuns({ pageSize: 1 });
    } catch (error) {
      if (error instanceof EngineApiError && (error.status === 401 || error.status === 403)) {
        const from = this.env.RUNLIGHT_SECRET_KEY || this.env.TRIGGER_SECRET_KEY ? 'RUNLIGHT_SECRET_KEY' : secretKeyPath(this.dir);
        throw new CliError(
          `the engine at ${info.url} (pid ${info.pid}) refuses the key from ${from}: it was started with another key ` +
            '(VS Code keeps its own; "Runlight: Copy MCP Configuration" can include it as RUNLIGHT_SECRET_KEY)',
        );
      }
      throw error;
    }
    this.log(`attached to the engine at ${info.url} (pid ${info.pid}) of ${this.dir}`);
    return client;
  }

  private async start(): Promise<EngineClient> {
    if (this.closed) throw new CliError('the MCP server is shutting down');
    this.log(`no engine runs for ${this.dir} (${engineFilePath(this.dir)}); starting one in this process`);
    const { startEngine } = await import('../../engine');
    let engine: RunningEngine;
    try {
      engine = await startEngine({ dir: this.dir, port: 0, secretKey: this.env.RUNLIGHT_SECRET_KEY || undefined, log: (line) => this.log(`[engine] ${line}`) });
    } catch (error) {
      throw new CliError(`could not start the engine for ${this.dir}: ${describeError(error)}`);
    }
    if (this.closed) {
      await engine.close();
      throw new CliError('the MCP server is shutting down');
    }
    this.owned = engine;
    return new EngineClient({ baseURL: engine.url, accessToken: engine.secretKey });
  }
}
