// code-server as a private, throw-away server on 127.0.0.1: 4.100.3 (VS Code 1.100.3) on this
// machine's Node, or 4.139.1 (VS Code 1.139.1) on the harness' Node 24 (see `vscodeHost`).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertHarnessInstalled, vscodeHost, type VscodeHost } from './paths';
import { freePort, stopGroup, waitUntil } from './process';

export const RUN_MARKER = 'RUNLIGHT_HARNESS_RUN';

export interface CodeServerOptions {
  /** The folder the workbench opens by default. */
  folder: string;
  extensionsDir: string;
  userDataDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** HOME, XDG_* and TMPDIR of the server live here; its log is `code-server.log` in it. */
  runDir: string;
  /** More environment for the server and so for the extension host and what it starts. */
  env?: Record<string, string>;
  /** How long to wait for /healthz. */
  startTimeoutMs?: number;
  /** User settings merged over DEFAULT_SETTINGS (written when the profile has none yet). */
  settings?: Record<string, unknown>;
  /** Which VS Code (default: RUNLIGHT_VSCODE, else `min`). */
  host?: VscodeHost;
  /**
   * The workbench honours the `payload` route's extensionDevelopmentPath / extensionTestsPath
   * (see payload.ts). VS Code 1.100 always does; a built 1.139 only with its smoke-test driver
   * enabled, which code-server 4.139 passes on as `--vscode-option enable-smoke-test-driver`.
   */
  extensionTests?: boolean;
}

/** A quiet workbench: no welcome page or walkthroughs, no telemetry or update checks. */
export const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'window.restoreWindows': 'none',
  'chat.commandCenter.enabled': false,
};

/** Writes `<userDataDir>/User/settings.json` unless the profile already has one. */
export function seedUserSettings(userDataDir: string, settings: Record<string, unknown> = {}): void {
  const file = join(userDataDir, 'User', 'settings.json');
  if (existsSync(file)) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2)}\n`);
}

export interface CodeServer {
  /** Which VS Code this is. */
  host: VscodeHost;
  url: string;
  port: number;
  pid: number;
  logFile: string;
  /** The value of RUNLIGHT_HARNESS_RUN in the server's environment (inherited by its children). */
  marker: string;
  /** Kills the server's process group, then anything else still carrying the run marker. */
  stop(): Promise<void>;
  /** The last `lines` lines of the server's log. */
  logTail(lines?: number): string;
}

/** The private environment of a code-server run (also used for `--install-extension`). */
export function codeServerEnv(runDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // PORT silently overrides --bind-addr; the rest would tie the server to an outer VS Code or npm.
  for (const k of Object.keys(env)) {
    if (k === 'PORT' || k === 'NODE_OPTIONS' || k.startsWith('VSCODE_') || k.startsWith('ELECTRON_') || k.startsWith('npm_')) {
      delete env[k];
    }
  }
  const dirs = {
    HOME: join(runDir, 'home'),
    XDG_CONFIG_HOME: join(runDir, 'home', '.config'),
    XDG_DATA_HOME: join(runDir, 'home', '.local', 'share'),
    XDG_CACHE_HOME: join(runDir, 'home', '.cache'),
    XDG_STATE_HOME: join(runDir, 'home', '.local', 'state'),
    XDG_RUNTIME_DIR: join(runDir, 'run'),
    TMPDIR: join(runDir, 'tmp'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  return { ...env, ...dirs, EXTENSIONS_GALLERY: '{}', CS_DISABLE_FILE_DOWNLOADS: '1', ...extra };
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const host = opts.host ?? vscodeHost();
  assertHarnessInstalled(host);
  const port = opts.port || (await freePort());
  mkdirSync(opts.extensionsDir, { recursive: true });
  mkdirSync(opts.userDataDir, { recursive: true });
  seedUserSettings(opts.userDataDir, opts.settings);
  const marker = randomUUID();
  const env = codeServerEnv(opts.runDir, { ...opts.env, [RUN_MARKER]: marker });
  const logFile = join(opts.runDir, 'code-server.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const args = [
    host.entry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    opts.userDataDir,
    '--extensions-dir',
    opts.extensionsDir,
    ...(opts.extensionTests && host.id === 'current' ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    opts.folder,
  ];
  const child: ChildProcess = spawn(host.node, args, {
    cwd: opts.runDir,
    env,
    detached: true, // its own process group, so stop() reaches the extension host and its children
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let exitReason: string | undefined;
  child.once('exit', (code, sig) => {
    exitReason = `code-server exited (${sig ?? code})`;
  });
  const url = `http://127.0.0.1:${port}`;
  const server: CodeServer = {
    host,
    url,
    port,
    pid: child.pid ?? -1,
    logFile,
    marker,
    async stop() {
      await stopGroup(child, { marker: { key: RUN_MARKER, value: marker } });
      log.end();
    },
    logTail(lines = 40) {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
  try {
    await waitUntil(`code-server on ${url}`, async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok, {
      timeoutMs: opts.startTimeoutMs ?? 30_000,
      abort: () => exitReason,
    });
  } catch (err) {
    await server.stop();
    throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${server.logTail()}`, { cause: err });
  }
  return server;
}

/** `code-server --install-extension <vsix>` into a private extensions folder (< 1 s). */
export async function installVsix(vsixPath: string, opts: { extensionsDir: string; userDataDir: string; runDir: string; host?: VscodeHost }): Promise<void> {
  const host = opts.host ?? vscodeHost();
  assertHarnessInstalled(host);
  mkdirSync(opts.extensionsDir, { recursive: true });
  const child = spawn(
    host.node,
    [host.entry, '--install-extension', vsixPath, '--force', '--extensions-dir', opts.extensionsDir, '--user-data-dir', opts.userDataDir],
    { cwd: opts.runDir, env: codeServerEnv(opts.runDir), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  if (code !== 0 || /failed|error/i.test(out)) {
    throw new Error(`installing ${vsixPath} failed (exit ${code}):\n${out}`);
  }
}
