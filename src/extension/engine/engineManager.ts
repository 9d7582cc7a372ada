import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import { EngineClient } from '../../client/api';
import { EngineApiError } from '../../client/errors';
import { Disposable, toDisposable } from '../lifecycle';
import type { Settings } from '../settings';
import { ensureSecretKey, isEngineAlive, readEngineInfo } from '../../client/engine-file';
import { engineSpawnPlan, isLoopbackUrl, isPidAlive, parseListeningLine } from './engineFiles';
import { describeError } from '../../shared/errors';

export type EngineState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running'; url: string; pid: number | undefined; owned: boolean }
  /** `foreignPid`: an engine of the workspace this window cannot use (Restart Engine stops it). */
  | { kind: 'error'; message: string; foreignPid?: number }
  | { kind: 'untrusted' }
  | { kind: 'noWorkspace' };

export interface EngineConnection {
  url: string;
  secretKey: string;
  client: EngineClient;
  /** Increases with every (re)connection, so subscribers can tell a new engine from the old one. */
  generation: number;
}

interface Started {
  conn: EngineConnection;
  pid: number | undefined;
  owned: boolean;
}

const remoteKeyName = (url: string): string => `runlight.remoteKey:${url}`;
const LISTEN_TIMEOUT_MS = 60_000;
const HEALTH_EVERY_MS = 10_000;

/**
 * Attaches to the workspace's engine (`.runlight/engine.json`, pid alive, /healthz answers, our key
 * accepted) or starts one as a child process of the extension host. Owns its health checks, its log
 * channel output and its child. Nothing happens until `ensureStarted()` is called.
 */
export class EngineManager extends Disposable {
  private _state: EngineState;
  private readonly _onDidChangeState = this._register(new vscode.EventEmitter<EngineState>());
  readonly onDidChangeState = this._onDidChangeState.event;

  private connection: EngineConnection | undefined;
  private starting: Promise<EngineConnection> | undefined;
  private child: ChildProcess | undefined;
  private stoppingChild = false;
  private healthTimer: ReturnType<typeof setInterval> | undefined;
  private healthFailures = 0;
  private generation = 0;

  constructor(
    private readonly extensionPath: string,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: Settings,
  ) {
    super();
    this._state = this.idleState();
    void vscode.commands.executeCommand('setContext', 'runlight.engineState', this._state.kind);
    this._register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        if (this._state.kind === 'untrusted') this.setState(this.idleState());
      }),
    );
    this._register(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        if (this._state.kind === 'noWorkspace') this.setState(this.idleState());
      }),
    );
    this._register(toDisposable(() => this.stopHealth()));
    this._register(toDisposable(() => this.killChild('SIGTERM')));
  }

  get state(): EngineState {
    return this._state;
  }

  get current(): EngineConnection | undefined {
    return this.connection;
  }

  get workspaceFolder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  /** The running engine, attaching or starting it first if needed. Concurrent callers share one start. */
  ensureStarted(): Promise<EngineConnection> {
    if (this.connection && this._state.kind === 'running') return Promise.resolve(this.connection);
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const conn = this.connection;
    const state = this._state;
    this.connection = undefined;
    this.stopHealth();
    if (this.child) {
      this.log.info('Stopping the engine (child process)…');
      await this.killChild('SIGTERM');
    } else {
      const pid = state.kind === 'running' ? state.pid : state.kind === 'error' ? state.foreignPid : undefined;
      if (pid !== undefined && isPidAlive(pid)) {
        this.log.info(`Stopping the ${state.kind === 'running' ? 'attached' : "workspace's other"} engine (pid ${pid})…`);
        try {
          process.kill(pid, 'SIGTERM');
        } catch (err) {
          this.log.warn(`Could not stop pid ${pid}: ${String(err)}`);
        }
        await waitFor(() => !isPidAlive(pid), 5000);
      }
    }
    if (conn) this.log.info(`Engine at ${conn.url} stopped.`);
    this.setState(this.idleState());
  }

  async restart(): Promise<EngineConnection> {
    await this.stop();
    return this.ensureStarted();
  }

  private idleState(): EngineState {
    if (!this.workspaceFolder) return { kind: 'noWorkspace' };
    if (!vscode.workspace.isTrusted) return { kind: 'untrusted' };
    return { kind: 'stopped' };
  }

  private setState(state: EngineState): void {
    this._state = state;
    void vscode.commands.executeCommand('setContext', 'runlight.engineState', state.kind);
    void vscode.commands.executeCommand('setContext', 'runlight.engineForeign', state.kind === 'error' && state.foreignPid !== undefined);
    this._onDidChangeState.fire(state);
  }

  private async start(): Promise<EngineConnection> {
    const folder = this.workspaceFolder;
    if (!folder) {
      this.setState({ kind: 'noWorkspace' });
      throw new Error('Runlight needs an open folder: its engine runs the tasks of the workspace.');
    }
    if (!vscode.workspace.isTrusted) {
      this.setState({ kind: 'untrusted' });
      throw new Error('Runlight runs the task code of this workspace, so it needs a trusted workspace.');
    }
    if (this.child) await this.killChild('SIGTERM');
    this.connection = undefined;
    this.stopHealth();
    this.setState({ kind: 'starting' });
    try {
      const ws = folder.uri.fsPath;
      const remote = this.settings.read().engineUrl;
      const key = remote ? '' : await ensureSecretKey(ws);
      const started = remote ? await this.attachRemote(remote) : ((await this.attach(ws, key)) ?? (await this.spawnEngine(ws, key)));
      const conn = started.conn;
      this.connection = conn;
      this.startHealth(conn.url);
      this.setState({ kind: 'running', url: conn.url, pid: started.pid, owned: started.owned });
      return conn;
    } catch (err) {
      const message = describeError(err);
      this.log.error(`Engine failed to start: ${message}`);
      this.setState({ kind: 'error', message, ...(err instanceof ForeignEngineError ? { foreignPid: err.pid } : {}) });
      throw err;
    }
  }

  /** The key for a remote engine, kept in SecretStorage per URL (set with "Runlight: Set Remote Engine Key…"). */
  async setRemoteKey(url: string, key: string): Promise<void> {
    await this.secrets.store(remoteKeyName(url), key.trim());
  }

  private async attachRemote(url: string): Promise<Started> {
    const key = await this.secrets.get(remoteKeyName(url));
    if (!key) {
      throw new Error(`No secret key is stored for the remote engine ${url}: run "Runlight: Set Remote Engine Key…".`);
    }
    const conn = this.newConnection(url, key);
    try {
      await conn.client.listRuns({ pageSize: 1 });
    } catch (err) {
      if (err instanceof EngineApiError && (err.status === 401 || err.status === 403)) {
        throw new Error(`The remote engine ${url} refuses the stored key: run "Runlight: Set Remote Engine Key…".`, { cause: err });
      }
      throw err;
    }
    this.log.info(`Attached to the remote engine at ${url} (runlight.engine.url).`);
    return { conn, pid: undefined, owned: false };
  }

  private newConnection(url: string, secretKey: string): EngineConnection {
    this.generation++;
    return { url, secretKey, client: new EngineClient({ baseURL: url, accessToken: secretKey }), generation: this.generation };
  }

  private async attach(ws: string, secretKey: string): Promise<Started | undefined> {
    const info = await readEngineInfo(ws).catch((err: unknown) => {
      this.log.warn(describeError(err));
      return undefined;
    });
    if (!info) return undefined;
    if (!isLoopbackUrl(info.url)) {
      this.log.warn(`Ignoring .runlight/engine.json: ${info.url} is not a loopback address.`);
      return undefined;
    }
    if (!isPidAlive(info.pid) || !(await isEngineAlive(info.url))) {
      this.log.info(`No live engine at ${info.url} (pid ${info.pid}); starting a new one.`);
      return undefined;
    }
    const conn = this.newConnection(info.url, secretKey);
    try {
      await conn.client.listRuns({ pageSize: 1 });
      this.log.info(`Attached to the engine at ${info.url} (pid ${info.pid}, v${info.version}) with the workspace's key.`);
      return { conn, pid: info.pid, owned: false };
    } catch (err) {
      if (err instanceof EngineApiError && (err.status === 401 || err.status === 403)) throw new ForeignEngineError(info.url, info.pid);
      throw err;
    }
  }

  private spawnEngine(ws: string, secretKey: string): Promise<Started> {
    const cfg = this.settings.read();
    const plan = engineSpawnPlan({
      execPath: process.execPath,
      cliPath: join(this.extensionPath, 'dist', 'cli.js'),
      workspace: ws,
      port: cfg.enginePort,
      secretKey,
      taskDirs: cfg.taskDirectories,
      retention: { days: cfg.retentionDays, maxRuns: cfg.retentionMaxRuns },
      env: process.env,
    });
    this.log.info(`Starting the engine: ${plan.command} ${plan.args.join(' ')}`);
    const child = spawn(plan.command, plan.args, { cwd: ws, env: plan.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    this.stoppingChild = false;
    const tail: string[] = [];

    return new Promise<Started>((resolve, reject) => {
      let listening = false;
      const timer = setTimeout(() => {
        if (listening) return;
        reject(new Error(`The engine did not start listening within ${LISTEN_TIMEOUT_MS / 1000} s.`));
        void this.killChild('SIGKILL');
      }, LISTEN_TIMEOUT_MS);

      const onLine = (line: string, isErr: boolean) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        // The engine writes its own log to stderr too: only lines that say so are warnings.
        if (isErr && /\b(error|fail(ed|ure)?|warn(ing)?|exception)\b/i.test(line)) this.log.warn(`[engine] ${line}`);
        else this.log.info(`[engine] ${line}`);
        const url = listening ? undefined : parseListeningLine(line);
        if (url) {
          listening = true;
          clearTimeout(timer);
          resolve({ conn: this.newConnection(url, secretKey), pid: child.pid, owned: true });
        }
      };
      createInterface({ input: child.stdout! }).on('line', (l) => onLine(l, false));
      createInterface({ input: child.stderr! }).on('line', (l) => onLine(l, true));

      child.on('error', (err) => {
        clearTimeout(timer);
        this.log.error(`Engine process error: ${err.message}`);
        if (!listening) reject(err);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) this.child = undefined;
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (!listening) {
          reject(new Error(`The engine exited (${how}) before it was ready.${tail.length ? ` Last output: ${tail.slice(-3).join(' | ')}` : ''}`));
          return;
        }
        if (this.stoppingChild || this.isDisposed) {
          this.log.info(`Engine exited (${how}).`);
          return;
        }
        this.log.error(`Engine exited unexpectedly (${how}).`);
        this.connection = undefined;
        this.stopHealth();
        this.setState({ kind: 'error', message: `The engine exited unexpectedly (${how}).` });
      });
    });
  }

  private killChild(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    this.stoppingChild = true;
    return new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill(signal);
    });
  }

  private startHealth(url: string): void {
    this.stopHealth();
    this.healthFailures = 0;
    this.healthTimer = setInterval(() => {
      void isEngineAlive(url).then((ok) => {
        if (this.connection?.url !== url) return;
        if (ok) {
          if (this.healthFailures > 0) this.log.info('Engine answers again.');
          this.healthFailures = 0;
          if (this._state.kind === 'error') this.setState({ kind: 'running', url, pid: this.child?.pid, owned: !!this.child });
          return;
        }
        this.healthFailures++;
        this.log.warn(`Engine health check failed (${this.healthFailures}).`);
        if (this.healthFailures >= 2 && this._state.kind === 'running') {
          this.setState({ kind: 'error', message: `The engine at ${url} does not answer.` });
        }
      });
    }, HEALTH_EVERY_MS);
  }

  private stopHealth(): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = undefined;
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

/** The workspace's engine runs, but with another key than `.runlight/secret-key` (it was given one explicitly). */
export class ForeignEngineError extends Error {
  override readonly name = 'ForeignEngineError';
  constructor(
    readonly url: string,
    readonly pid: number,
  ) {
    super(
      `The workspace's engine at ${url} (pid ${pid}) was started with another secret key than .runlight/secret-key, so this window cannot use it. ` +
        'Restart Engine stops it and starts one with the workspace key.',
    );
  }
}
