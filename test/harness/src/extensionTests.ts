// Runs a compiled mocha suite inside the real extension host of code-server's VS Code (1.100.3 or
// 1.139.1, see `vscodeHost`), through the workbench `payload` route (code-server has no --extensionTestsPath flag).
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstPage, launchChromium } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { extensionTestUrl } from './payload';
import type { VscodeHost } from './paths';
import { flushWorkbenchStorage } from './workbench';
import { sleep } from './process';
import { makeRunDir, removeRunDir } from './workspace';
import type { BrowserContext } from 'playwright-core';

export interface ExtensionTestOptions {
  extensionDevelopmentPath: string;
  /** The compiled index exporting `run()`. */
  extensionTestsPath: string;
  /** The folder to open (use a throw-away copy). */
  folder: string;
  /** Kill everything and fail after this long (default 10 min, or RUNLIGHT_INTEGRATION_TIMEOUT_MS). */
  timeoutMs?: number;
  /** More environment for the extension host (e.g. RUNLIGHT_TEST_GREP). */
  env?: Record<string, string>;
  /** Where lines go (default: stdout). */
  print?: (line: string) => void;
  /** Print the workbench's own log lines too (default: RUNLIGHT_VERBOSE=1). */
  verbose?: boolean;
  /** An existing run folder (default: a fresh one, removed afterwards). */
  runDir?: string;
  /** Extra extensions folder content (default: empty). */
  extensionsDir?: string;
  /** Which VS Code (default: RUNLIGHT_VSCODE, else `min`). */
  host?: VscodeHost;
}

export interface ExtensionTestResult {
  /** 0 when the suite's run() resolved; 1 when it rejected, timed out or the host died. */
  code: number;
  durationMs: number;
  /** Everything the suite wrote (mocha's spec report). */
  output: string;
  reason?: string;
}

/** The environment variable naming the file the in-host index writes its report to. */
export const OUTPUT_ENV = 'RUNLIGHT_TEST_OUTPUT';
/** The environment variable naming the file that carries results across a window reload. */
export const STATE_ENV = 'RUNLIGHT_TEST_STATE';

export async function runExtensionTests(o: ExtensionTestOptions): Promise<ExtensionTestResult> {
  const t0 = Date.now();
  const print = o.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const verbose = o.verbose ?? process.env.RUNLIGHT_VERBOSE === '1';
  const timeoutMs = o.timeoutMs ?? Number(process.env.RUNLIGHT_INTEGRATION_TIMEOUT_MS ?? 600_000);
  const ownRunDir = !o.runDir;
  const runDir = o.runDir ?? makeRunDir('integration');
  const outputFile = join(runDir, 'suite-output.txt');
  if (!existsSync(`${o.extensionTestsPath.replace(/\.js$/, '')}.js`)) {
    throw new Error(`no compiled test index at ${o.extensionTestsPath}`);
  }

  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let printed = 0;
  const flushOutput = () => {
    if (!existsSync(outputFile) || statSync(outputFile).size === printed) return;
    const buf = readFileSync(outputFile);
    const text = buf.subarray(printed).toString('utf8');
    printed = buf.length;
    for (const line of text.replace(/\n$/, '').split('\n')) print(line);
  };
  let result: { code: number; reason?: string };
  const mark = (what: string) => {
    if (verbose) print(`[harness +${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
  };
  try {
    mkdirSync(join(runDir, 'user-data'), { recursive: true });
    server = await startCodeServer({
      folder: o.folder,
      extensionsDir: o.extensionsDir ?? join(runDir, 'extensions'),
      userDataDir: join(runDir, 'user-data'),
      runDir,
      host: o.host,
      extensionTests: true,
      env: { ...o.env, [OUTPUT_ENV]: outputFile, [STATE_ENV]: join(runDir, 'suite-state.json') },
    });
    mark(`code-server up at ${server.url}`);
    context = await launchChromium(join(runDir, 'chromium'));
    mark('chromium up');
    const page = await firstPage(context);

    let settle: (r: { code: number; reason?: string }) => void = () => undefined;
    const settled = new Promise<{ code: number; reason?: string }>((r) => (settle = r));
    await page.exposeFunction('codeAutomationLog', (type: unknown, message: unknown) => {
      if (verbose) print(`[workbench ${String(type)}] ${String(message)}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      settle({ code: code === 0 ? 0 : 1, reason: code === 0 ? undefined : `the suite's run() rejected (exit ${String(code)})` });
    });
    page.on('crash', () => settle({ code: 1, reason: 'the workbench page crashed' }));
    if (verbose) page.on('console', (m) => print(`[console ${m.type()}] ${m.text()}`));
    const srv = server;
    // A suite about to reload the window asks for the workbench state to be saved first.
    const stateFile = join(runDir, 'suite-state.json');
    let flushing = false;
    const poll = setInterval(() => {
      flushOutput();
      if (flushing || !existsSync(`${stateFile}.flush-request`)) return;
      flushing = true;
      rmSync(`${stateFile}.flush-request`, { force: true });
      void flushWorkbenchStorage(page)
        .catch((err: unknown) => print(`integration: could not flush the workbench state: ${String(err)}`))
        .then(() => {
          writeFileSync(`${stateFile}.flush-done`, '');
          flushing = false;
        });
    }, 250);
    const timer = setTimeout(() => settle({ code: 1, reason: `timed out after ${timeoutMs} ms` }), timeoutMs);
    const watchServer = setInterval(() => {
      try {
        process.kill(srv.pid, 0);
      } catch {
        settle({ code: 1, reason: 'code-server died' });
      }
    }, 1000);
    try {
      await page.goto(
        extensionTestUrl({
          baseUrl: server.url,
          folder: o.folder,
          extensionDevelopmentPath: o.extensionDevelopmentPath,
          extensionTestsPath: o.extensionTestsPath,
        }),
        { waitUntil: 'domcontentloaded', timeout: 60_000 },
      );
      mark('workbench loading');
      result = await settled;
      mark(`suite settled (${result.code})`);
      await sleep(300); // the last lines of the report
    } finally {
      clearInterval(poll);
      clearInterval(watchServer);
      clearTimeout(timer);
    }
  } catch (err) {
    result = { code: 1, reason: (err as Error).message };
  } finally {
    flushOutput();
    await context?.close().catch(() => undefined);
    await server?.stop();
    mark('stopped');
  }
  if (result.reason) {
    print(`integration: ${result.reason}`);
    if (server && !result.reason.includes('rejected')) print(`--- code-server log (${server.logFile}) ---\n${server.logTail(60)}`);
  }
  const output = existsSync(outputFile) ? readFileSync(outputFile, 'utf8') : '';
  if (ownRunDir && result.code === 0) removeRunDir(runDir);
  else if (ownRunDir) print(`integration: run folder kept for inspection: ${runDir}`);
  return { ...result, durationMs: Date.now() - t0, output };
}
