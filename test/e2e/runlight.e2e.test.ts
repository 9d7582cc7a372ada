// End to end in a real browser: the packaged .vsix installed in code-server's VS Code 1.100.3,
// a throw-away copy of examples/demo open, driven through the UI like a person would.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closeAllEditors,
  copyWorkspace,
  demoFolder,
  expandRow,
  latencyStats,
  makeRunDir,
  openViewContainer,
  pickQuickItem,
  repoRoot,
  rowIconClasses,
  runCommand,
  SEL,
  setDotenv,
  startLocalModel,
  startTimingProxy,
  submitInputBox,
  tokenToDomLatencies,
  treeRows,
  waitForStatusBarItem,
  webviewContentFrame,
  webviewFrame,
  type Locator,
  type LocalModel,
  type Page,
  type TimingProxy,
} from '../harness/src/index';
import { openSession, type Session } from './session';

const EXTENSION_ID = 'runlight.runlight';
/** Slow enough tokens that the answer streams for a few seconds (≈ 30 tokens). */
const TOKEN_MS = Number(process.env.RUNLIGHT_E2E_TOKEN_MS ?? 100);

function vsixPath(): string {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const file = join(repoRoot, `runlight-${version}.vsix`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run package first`);
  return file;
}

/** Runs "Runlight: Trigger Task…" through the palette: task pick → payload box → tags box. */
async function triggerFromPalette(page: Page, taskId: string, payload: string, tags: string): Promise<void> {
  await runCommand(page, 'Runlight: Trigger Task…');
  await pickQuickItem(page, taskId);
  await submitInputBox(page, payload);
  await page.locator(SEL.quickInput, { hasText: '(2/2)' }).waitFor({ state: 'visible' });
  await submitInputBox(page, tags);
  await page.locator(SEL.quickInput).waitFor({ state: 'hidden' });
}

/** The newest run row of a task under "Recent". */
function runRow(page: Page, taskId: string): Locator {
  return treeRows(page)
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${taskId}$`) }) })
    .first();
}

async function waitForIcon(row: Locator, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let classes = '';
  while (Date.now() < deadline) {
    classes = await rowIconClasses(row).catch(() => '');
    if (pattern.test(classes)) return classes;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`row icon never matched ${pattern} (last: ${classes || 'none'})`);
}

describe('Runlight in the browser (packaged .vsix)', function () {
  this.timeout(180_000);
  let session: Session | undefined;
  let model: LocalModel | undefined;
  let proxy: TimingProxy | undefined;
  let failed = false;
  let page: Page;

  before(async () => {
    const runDir = makeRunDir('e2e');
    const folder = copyWorkspace(demoFolder, join(runDir, 'workspace'));
    model = await startLocalModel(folder, { tokenMs: TOKEN_MS });
    if (!model) throw new Error('examples/demo has no scripts/local-llm.mjs');
    proxy = await startTimingProxy(model.url);
    setDotenv(folder, 'OPENAI_BASE_URL', proxy.url);
    session = await openSession({ name: 'runlight', vsixFiles: [vsixPath()], folder, runDir });
    page = session.page;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    const title = (this.currentTest?.title ?? 'step').replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 60);
    await session?.shot(title);
  });

  after(async () => {
    await session?.close({ failed });
    await proxy?.close();
    await model?.close();
  });

  it('opens the Runlight container with its Runs and Tasks views', async () => {
    await openViewContainer(page, 'Runlight');
    const sidebar = page.locator('#workbench\\.parts\\.sidebar');
    await sidebar.locator('.pane-header', { hasText: /Runs/i }).first().waitFor();
    await sidebar.locator('.pane-header', { hasText: /Tasks/i }).first().waitFor();
    // The views start the engine; the status bar item shows when the extension is up.
    await waitForStatusBarItem(page, EXTENSION_ID);
    await treeRows(page, /^\s*chat/).first().waitFor({ timeout: 60_000 });
  });

  it('triggers chat from the command palette; the run spins, then passes', async () => {
    await triggerFromPalette(page, 'chat', '{"prompt":"What is Runlight?"}', 'e2e');
    const row = runRow(page, 'chat');
    await row.waitFor({ timeout: 30_000 });
    await waitForIcon(row, /codicon-loading.*codicon-modifier-spin|codicon-modifier-spin.*codicon-loading/, 30_000);
    await session!.shot('chat-spinning');
    await waitForIcon(row, /codicon-pass\b/, 60_000);
  });

  it('streams the answer into the run panel while it is written', async () => {
    // A second chat run, watched from the moment its panel opens.
    await closeAllEditors(page);
    await triggerFromPalette(page, 'chat', '{"prompt":"Stream me a long answer"}', 'e2e');
    const frame = await webviewContentFrame(page);
    // Note every change of the answer's text with its time (Date.now(), same clock as the proxy's).
    await frame.evaluate(`(() => {
      const seen = (window.__runlightSeen = []);
      const read = () => {
        const el = document.querySelector('[data-stream-key="answer"] pre.stream-text');
        const n = el ? el.textContent.length : 0;
        if (seen.length === 0 || seen[seen.length - 1][1] !== n) seen.push([Date.now(), n]);
      };
      read();
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    const text = webviewFrame(page).locator('[data-stream-key="answer"] pre.stream-text');
    const reads: string[] = [];
    const deadline = Date.now() + 60_000;
    let done = false;
    while (Date.now() < deadline && !done) {
      const t = (await text.textContent({ timeout: 1000 }).catch(() => null)) ?? '';
      if (t && t !== reads[reads.length - 1]) reads.push(t);
      done = t.includes('as it is written.');
      if (reads.length === 2) await session!.shot('chat-streaming');
      await new Promise((r) => setTimeout(r, 60));
    }
    assert.ok(done, `the full answer arrived (last read: ${JSON.stringify(reads[reads.length - 1] ?? '')})`);
    const partial = reads.filter((r) => !r.includes('as it is written.'));
    assert.ok(partial.length >= 2, `at least two partial reads while streaming (got ${partial.length})`);
    for (let i = 1; i < reads.length; i++) {
      assert.ok(reads[i]!.startsWith(reads[i - 1]!) && reads[i]!.length > reads[i - 1]!.length, 'the text only grows');
    }
    // Latency: token forwarded by the proxy in front of the model → its text in the webview DOM.
    const seen = (await frame.evaluate('window.__runlightSeen')) as [number, number][];
    const tokens = proxy!.streams().at(-1) ?? [];
    const stats = latencyStats(tokenToDomLatencies(tokens, seen));
    console.log(
      stats
        ? `      latency model token → webview DOM over ${stats.count} tokens: median ${stats.median} ms, p95 ${stats.p95} ms, min ${stats.min} ms, max ${stats.max} ms`
        : `      latency: no tokens matched (${tokens.length} tokens, ${seen.length} DOM changes)`,
    );
    assert.ok(stats && stats.count >= 5, 'enough tokens timed');
  });

  it('shows the progress bar of progress-task moving', async () => {
    await closeAllEditors(page);
    await triggerFromPalette(page, 'progress-task', '{"total":20,"stepMs":250}', 'e2e');
    const bar = webviewFrame(page).locator('.progress-bar[data-key="progress"]');
    await bar.waitFor({ timeout: 30_000 });
    const values: number[] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const v = Number((await bar.getAttribute('aria-valuenow', { timeout: 1000 }).catch(() => null)) ?? NaN);
      if (Number.isFinite(v) && v !== values[values.length - 1]) values.push(v);
      if (values.length === 3) await session!.shot('progress-moving');
      if (v >= 100) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(values.filter((v) => v > 0 && v < 100).length >= 2, `the bar moved through at least two values below 100% (${values.join(', ')})`);
    assert.deepEqual([...values].sort((a, b) => a - b), values, 'the bar only moves forward');
    assert.equal(values[values.length - 1], 100);
  });

  it('shows a batch group for batch-demo', async () => {
    await triggerFromPalette(page, 'batch-demo', '{}', '');
    const byBatch = treeRows(page).filter({ has: page.locator('.label-name', { hasText: /^By batch$/ }) }).first();
    await byBatch.waitFor({ timeout: 30_000 });
    await expandRow(byBatch);
    const batchRow = treeRows(page).filter({ has: page.locator('.label-name', { hasText: /^batch_/ }) }).first();
    await batchRow.waitFor({ timeout: 30_000 });
    await expandRow(batchRow);
    const level = Number(await batchRow.getAttribute('aria-level'));
    const children = treeRows(page)
      .and(page.locator(`[aria-level="${level + 1}"]`))
      .filter({ has: page.locator('.label-name', { hasText: /^progress-task$/ }) });
    const deadline = Date.now() + 30_000;
    while ((await children.count()) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await session!.shot('batch-group');
    assert.ok((await children.count()) >= 3, 'the batch shows its three progress-task runs');
  });
});
