// `npm start`: builds and packages Runlight, then opens it on examples/demo.
//   - With a `code` CLI on PATH (VS Code installed): `code --install-extension runlight-<v>.vsix` and
//     `code examples/demo`.
//   - Otherwise: code-server's VS Code 1.100.3 (the test harness; RUNLIGHT_VSCODE=current: 1.139.1) on http://127.0.0.1:PORT with a
//     private profile under .runlight-dev/, the packaged .vsix installed in it. Prints the URL and
//     stays in the foreground until Ctrl-C.
// In both cases the demo's local OpenAI-compatible server (`npm run llm` in examples/demo) runs
// alongside when the demo provides it. Run with `node scripts/start.mjs` (npm start does): it installs the npm dependencies, then re-runs itself under tsx.
// Env: RUNLIGHT_DEV_PORT (default 8123, else a free port), RUNLIGHT_USE_CODE_SERVER=1 (ignore `code`),
//      RUNLIGHT_SKIP_PACKAGE=1 (reuse the existing .vsix).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'examples', 'demo');
const devDir = join(root, '.runlight-dev');
const t0 = Date.now();

function log(msg) {
  console.log(`[start] ${msg}`);
}

function run(cmd, args, opts = {}) {
  log(`${cmd} ${args.join(' ')}${opts.cwd && opts.cwd !== root ? `   (in ${opts.cwd})` : ''}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`[start] failed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function portBusy(port) {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// 1. dependencies, build and package
if (!existsSync(join(root, 'node_modules'))) run('npm', ['ci']);
// The harness library is TypeScript: once the dependencies are there, carry on under tsx.
if (!process.execArgv.some((a) => a.includes('tsx'))) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const demoPkg = existsSync(join(demo, 'package.json')) ? JSON.parse(readFileSync(join(demo, 'package.json'), 'utf8')) : undefined;
if (demoPkg && !existsSync(join(demo, 'node_modules')) && (demoPkg.dependencies || demoPkg.devDependencies)) {
  run('npm', [existsSync(join(demo, 'package-lock.json')) ? 'ci' : 'install'], { cwd: demo });
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, `runlight-${version}.vsix`);
if (process.env.RUNLIGHT_SKIP_PACKAGE !== '1' || !existsSync(vsix)) run('npm', ['run', 'package']);
if (!existsSync(vsix)) {
  console.error(`[start] npm run package did not produce ${vsix}`);
  process.exit(1);
}

// 2. the demo's local OpenAI-compatible server, when the demo has one
const children = [];
async function startLlm() {
  if (!demoPkg?.scripts?.llm) return;
  const dotenv = existsSync(join(demo, '.env')) ? readFileSync(join(demo, '.env'), 'utf8') : '';
  const env = /^OPENAI_BASE_URL=.*:(\d+)\//m.exec(dotenv);
  const port = env ? Number(env[1]) : 4010;
  if (await portBusy(port)) {
    log(`something already listens on 127.0.0.1:${port}; using it as the demo's local model server`);
    return;
  }
  const llm = spawn('npm', ['run', '--silent', 'llm'], { cwd: demo, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  children.push(llm);
}

function stopChildren() {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

const useCode = onPath('code') && process.env.RUNLIGHT_USE_CODE_SERVER !== '1';
if (useCode) {
  // 3a. a real VS Code
  run('code', ['--install-extension', vsix, '--force']);
  await startLlm();
  run('code', [demo]);
  log(`Runlight ${version} is installed in VS Code and examples/demo is open (ready in ${((Date.now() - t0) / 1000).toFixed(0)} s).`);
  if (children.length === 0) process.exit(0);
  log('The demo model server runs until Ctrl-C.');
} else {
  // 3b. code-server in the browser
  run('bash', [join(root, 'scripts', 'system-deps.sh'), 'editor']);
  // only the host it opens (both are installed by the tests)
  run('bash', [join(root, 'scripts', 'harness-install.sh')], { env: { ...process.env, RUNLIGHT_VSCODE: process.env.RUNLIGHT_VSCODE || 'min' } });
  const { installVsix, startCodeServer, freePort, vscodeVersion } = await import('../test/harness/src/index.ts');
  const extensionsDir = join(devDir, 'extensions');
  const userDataDir = join(devDir, 'user-data');
  const runDir = join(devDir, 'run');
  mkdirSync(runDir, { recursive: true });
  await installVsix(vsix, { extensionsDir, userDataDir, runDir });
  log(`installed ${vsix} into ${extensionsDir}`);
  await startLlm();
  const wanted = Number(process.env.RUNLIGHT_DEV_PORT ?? 8123);
  const port = (await portBusy(wanted)) ? await freePort() : wanted;
  const server = await startCodeServer({ folder: demo, extensionsDir, userDataDir, runDir, port, settings: { 'workbench.startupEditor': 'none' } });
  const url = `${server.url}/?folder=${encodeURIComponent(demo)}`;
  console.log('');
  console.log(`  Runlight ${version} in VS Code ${vscodeVersion()} (code-server), examples/demo open:`);
  console.log(`  ${url}`);
  console.log('');
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(0)} s; code-server log: ${server.logFile}. Ctrl-C stops everything.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    stopChildren();
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const watch = setInterval(() => {
    try {
      process.kill(server.pid, 0);
    } catch {
      clearInterval(watch);
      console.error('[start] code-server exited; see its log above.');
      stopChildren();
      process.exit(1);
    }
  }, 2000);
}

if (useCode) {
  process.on('SIGINT', () => {
    stopChildren();
    process.exit(0);
  });
  setInterval(() => undefined, 1 << 30);
}
