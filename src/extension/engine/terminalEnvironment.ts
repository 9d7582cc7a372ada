import type * as vscode from 'vscode';
import { Disposable, toDisposable } from '../lifecycle';
import type { EngineConnection, EngineManager } from './engineManager';
import { sdkEnvironment } from './engineFiles';

/**
 * Integrated terminals opened while the engine runs get its URL and key (`TRIGGER_API_URL` / `TRIGGER_SECRET_KEY`
 * and the `RUNLIGHT_` pair), so `runlight …` and the user's own app using the Trigger.dev SDK reach it with nothing
 * set by hand. Not persisted: the key never lands in VS Code's storage, and a stopped engine's values are removed.
 */
export class TerminalEnvironment extends Disposable {
  constructor(
    private readonly collection: vscode.EnvironmentVariableCollection,
    engine: EngineManager,
  ) {
    super();
    collection.persistent = false;
    collection.description = "Runlight: the workspace engine's URL and secret key, for `runlight …` and the Trigger.dev SDK";
    this._register(engine.onDidChangeState((state) => this.sync(state.kind === 'running' ? engine.current : undefined)));
    this._register(toDisposable(() => collection.clear()));
    this.sync(engine.state.kind === 'running' ? engine.current : undefined);
  }

  private sync(conn: EngineConnection | undefined): void {
    if (!conn) {
      this.collection.clear();
      return;
    }
    for (const [name, value] of Object.entries(sdkEnvironment(conn.url, conn.secretKey))) this.collection.replace(name, value);
  }
}
