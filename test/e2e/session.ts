// One browser session against one code-server: packaged extensions installed, a throw-away
// workspace open, screenshots under test-results/screenshots/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  copyWorkspace,
  demoFolder,
  firstPage,
  installVsix,
  launchChromium,
  makeRunDir,
  openViewContainer,
  openWorkbench,
  removeRunDir,
  repoRoot,
  screenshot,
  screenshotsDir,
  startCodeServer,
  treeRows,
  waitForStatusBarItem,
  workbenchUrl,
  type BrowserContext,
  type CodeServer,
  type Page,
} from '../harness/src/index';

/** The `.vsix` that `npm run package` made (runlight-<version>.vsix at the repository root). */
export function packagedVsix(): string {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const file = join(repoRoot, `runlight-${version}.vsix`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run package first`);
  return file;
}

export interface Session {
  runDir: string;
  server: CodeServer;
  context: BrowserContext;
  page: Page;
  /** Saves `test-results/screenshots/<prefix>-<name>.png`. */
  shot(name: string): Promise<void>;
  close(opts?: { failed?: boolean }): Promise<void>;
}

export interface SessionOptions {
  /** Screenshot file prefix and run-folder name. */
  name: string;
  vsixFiles: string[];
  /** The folder to open (a throw-away copy). */
  folder: string;
  runDir?: string;
  env?: Record<string, string>;
}

export async function openSession(o: SessionOptions): Promise<Session> {
  const runDir = o.runDir ?? makeRunDir(o.name);
  const extensionsDir = join(runDir, 'extensions');
  const userDataDir = join(runDir, 'user-data');
  for (const vsix of o.vsixFiles) await installVsix(vsix, { extensionsDir, userDataDir, runDir });
  const server = await startCodeServer({ folder: o.folder, extensionsDir, userDataDir, runDir, env: o.env });
  let context: BrowserContext | undefined;
  try {
    context = await launchChromium(join(runDir, 'chromium'));
    const page = await firstPage(context);
    page.setDefaultTimeout(30_000);
    mkdirSync(screenshotsDir, { recursive: true });
    await openWorkbench(page, workbenchUrl(server.url, o.folder));
    const ctx = context;
    return {
      runDir,
      server,
      context: ctx,
      page,
      shot: (name) => screenshot(page, join(screenshotsDir, `${o.name}-${name}.png`)),
      async close({ failed = false } = {}) {
        if (failed) await screenshot(page, join(screenshotsDir, `${o.name}-failure.png`));
        await ctx.close().catch(() => undefined);
        await server.stop();
        if (failed) console.log(`    (run folder kept: ${runDir}; code-server log: ${server.logFile})`);
        else removeRunDir(runDir);
      },
    };
  } catch (err) {
    await context?.close().catch(() => undefined);
    await server.stop();
    throw err;
  }
}

/**
 * A session on a fresh copy of the demo workspace with the packaged `.vsix`: the Runlight views open and `taskRow`
 * listed in the Tasks view (the engine indexed the demo, slow on a busy machine). A setup that fails closes the
 * session as failed (screenshot, run folder kept) and throws.
 */
export async function openDemoSession(name: string, taskRow: RegExp): Promise<{ session: Session; folder: string }> {
  const runDir = makeRunDir(`e2e-${name}`);
  const folder = copyWorkspace(demoFolder, join(runDir, 'workspace'));
  const session = await openSession({ name, vsixFiles: [packagedVsix()], folder, runDir });
  try {
    await openViewContainer(session.page, 'Runlight');
    await waitForStatusBarItem(session.page, 'runlight.runlight');
    await treeRows(session.page, taskRow).first().waitFor({ timeout: 150_000 });
  } catch (err) {
    await session.close({ failed: true });
    throw err;
  }
  return { session, folder };
}
