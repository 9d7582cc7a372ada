// End to end in a real browser: the packaged .vsix installed in code-server's VS Code 1.100.3,
// a throw-away copy of examples/demo open, driven through the UI like a person would.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  closeAllEditors,
  copyWorkspace,
  demoFolder,
  expandRow,
  latencyStats,
  makeRunDir,
  openViewContainer,
  rowIconClasses,
  runCommand,
  setDotenv,
  startLocalModel,
  startTimingProxy,
  statusBarItemSelector,
  stopGroup,
  subscribeSse,
  tokenToDomLatencies,
  waitUntil,
  type SseSubscription,
  type TimedToken,
  treeRows,
  waitForStatusBarItem,
  webviewContentFrame,
  webviewFrame,
  type Frame,
  type Locator,
  type LocalModel,
  type Page,
  type TimingProxy,
  triggerTaskFromPalette,
} from '../harness/src/index';
import { openSession, packagedVsix, type Session } from './session';

const EXTENSION_ID = 'runlight.runlight';
/** Slow enough tokens that the answer streams for a few seconds (≈ 30 tokens). */
const TOKEN_MS = Number(process.env.RUNLIGHT_E2E_TOKEN_MS ?? 100);

/** Runs "Runlight: Trigger Task…" through the palette: task pick → the trigger form, filled and sent with Ctrl+Enter. */
async function triggerFromPalette(page: Page, taskId: string, payload: string, tags: string): Promise<void> {
  await triggerTaskFromPalette(page, taskId, payload, tags ? { tags: tags.split(',').map((t) => t.trim()) } : {});
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

/** Notes every change of the answer's text length in the panel with its time (Date.now(), one clock for all). */
async function observeAnswer(frame: Frame): Promise<void> {
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
}

async function answerChanges(frame: Frame): Promise<[number, number][]> {
  return (await frame.evaluate('window.__runlightSeen')) as [number, number][];
}

/** The text an OpenAI chat-completion chunk carries, if any. */
function deltaText(chunk: unknown): string | undefined {
  const content = (chunk as { choices?: { delta?: { content?: unknown } }[] } | null)?.choices?.[0]?.delta?.content;
  return typeof content === 'string' && content !== '' ? content : undefined;
}

function fmt(label: string, samples: number[]): string {
  const st = latencyStats(samples);
  return st ? `${label}: median ${st.median} ms, p95 ${st.p95} ms, min ${st.min} ms, max ${st.max} ms (${st.count} tokens)` : `${label}: no samples`;
}

describe('Runlight in the browser (packaged .vsix)', function () {
  this.timeout(180_000);
  let session: Session | undefined;
  let model: LocalModel | undefined;
  let proxy: TimingProxy | undefined;
  let failed = false;
  let page: Page;
  let folder = '';
  let ownEngine: ChildProcess | undefined;
  const subscriptions: SseSubscription[] = [];

  before(async () => {
    const runDir = makeRunDir('e2e');
    folder = copyWorkspace(demoFolder, join(runDir, 'workspace'));
    model = await startLocalModel(folder, { tokenMs: TOKEN_MS });
    if (!model) throw new Error('examples/demo has no scripts/local-llm.mjs');
    proxy = await startTimingProxy(model.url);
    setDotenv(folder, 'OPENAI_BASE_URL', proxy.url);
    session = await openSession({ name: 'runlight', vsixFiles: [packagedVsix()], folder, runDir });
    page = session.page;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    const title = (this.currentTest?.title ?? 'step')
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase()
      .slice(0, 60);
    await session?.shot(title);
  });

  after(async () => {
    for (const sub of subscriptions) sub.close();
    await session?.close({ failed });
    if (ownEngine) await stopGroup(ownEngine);
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
    await treeRows(page, /^\s*chat/)
      .first()
      .waitFor({ timeout: 60_000 });
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
    await observeAnswer(frame);
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
    const seen = await answerChanges(frame);
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
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      values,
      'the bar only moves forward',
    );
    assert.equal(values[values.length - 1], 100);
  });

  it('shows a batch group for batch-demo', async () => {
    await triggerFromPalette(page, 'batch-demo', '{}', '');
    const byBatch = treeRows(page)
      .filter({ has: page.locator('.label-name', { hasText: /^By batch$/ }) })
      .first();
    await byBatch.waitFor({ timeout: 30_000 });
    await expandRow(byBatch);
    const batchRow = treeRows(page)
      .filter({ has: page.locator('.label-name', { hasText: /^batch_/ }) })
      .first();
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

  it('times chunks from the engine to the webview (extension attached to an engine we started)', async () => {
    // Stop the engine the extension started, start the packaged engine with a key we know, and let
    // the extension attach to it (the `.runlight/engine.json` + `.runlight/secret-key` path).
    const info = JSON.parse(readFileSync(join(folder, '.runlight', 'engine.json'), 'utf8')) as { url: string };
    await runCommand(page, 'Runlight: Stop Engine');
    await waitUntil(
      "the extension's engine stops",
      async () =>
        !(await fetch(`${info.url}/healthz`).then(
          (r) => r.ok,
          () => false,
        )),
      { timeoutMs: 30_000 },
    );
    const key = `rl_dev_e2e${randomBytes(16).toString('hex')}`;
    writeFileSync(join(folder, '.runlight', 'secret-key'), `${key}\n`, { mode: 0o600 });
    const extDir = join(session!.runDir, 'extensions');
    const installed = readdirSync(extDir).find((d) => d.startsWith(`${EXTENSION_ID}-`));
    assert.ok(installed, 'the installed extension folder');
    const engine = spawn(process.execPath, [join(extDir, installed, 'dist', 'cli.js'), 'dev', '--dir', folder, '--port', '0'], {
      cwd: folder,
      env: { ...process.env, RUNLIGHT_SECRET_KEY: key },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    ownEngine = engine;
    const log = createWriteStream(join(session!.runDir, 'own-engine.log'));
    engine.stderr?.pipe(log);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('our engine did not start within 60 s')), 60_000);
      createInterface({ input: engine.stdout! }).on('line', (line) => {
        log.write(`${line}\n`);
        const m = /Runlight engine listening on (http\S+)/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1].replace(/\/$/, ''));
        }
      });
      engine.once('exit', (code) => reject(new Error(`our engine exited (${code})`)));
    });
    await runCommand(page, 'Runlight: Start Engine');
    await page.locator(statusBarItemSelector(EXTENSION_ID), { hasText: 'Runlight idle' }).first().waitFor({ timeout: 30_000 });

    // Time each chunk of the new run's "answer" stream as it arrives from the engine.
    const tag = `latency-${Date.now().toString(36)}`;
    const chunks: TimedToken[] = [];
    let streamOpenedAt = 0;
    let runId: string | undefined;
    const feed = subscribeSse(`${url}/realtime/v1/runs`, key, (e) => {
      if (e.event !== 'run' || runId) return;
      const run = JSON.parse(e.data) as { id: string; taskIdentifier: string; tags: string[] };
      if (run.taskIdentifier !== 'chat' || !run.tags.includes(tag)) return;
      runId = run.id;
      const stream = subscribeSse(`${url}/realtime/v1/streams/${encodeURIComponent(run.id)}/answer`, key, (c) => {
        if (c.event && c.event !== 'message') return;
        const text = deltaText(JSON.parse(c.data));
        // Chunks replayed in a burst on connecting are not timed.
        if (text !== undefined) chunks.push({ t: c.t - streamOpenedAt < 30 ? Number.NaN : c.t, text });
      });
      subscriptions.push(stream);
      void stream.opened.then(
        () => (streamOpenedAt = Date.now()),
        () => undefined,
      );
    });
    subscriptions.push(feed);
    await feed.opened;

    await closeAllEditors(page);
    await triggerFromPalette(page, 'chat', '{"prompt":"How fast is the stream?"}', tag);
    const frame = await webviewContentFrame(page);
    await observeAnswer(frame);
    const text = webviewFrame(page).locator('[data-stream-key="answer"] pre.stream-text');
    await text.filter({ hasText: 'as it is written.' }).waitFor({ timeout: 60_000 });
    const seen = await answerChanges(frame);
    const engineToDom = tokenToDomLatencies(chunks, seen).filter((v) => Number.isFinite(v));
    const modelTokens = proxy!.streams().at(-1) ?? [];
    const modelToDom = tokenToDomLatencies(modelTokens, seen);
    const modelToEngine = chunks
      .map((c, i) => (modelTokens[i] && modelTokens[i]!.text === c.text ? c.t - modelTokens[i]!.t : Number.NaN))
      .filter((v) => Number.isFinite(v));
    console.log(`      ${fmt('chunk leaves the engine (SSE) → text in the webview DOM', engineToDom)}`);
    console.log(`      ${fmt('model token → chunk leaves the engine', modelToEngine)}`);
    console.log(`      ${fmt('model token → text in the webview DOM', modelToDom)}`);
    assert.ok(runId, 'the run appeared on the engine feed');
    assert.ok(engineToDom.length >= 5, `enough chunks timed (${engineToDom.length} of ${chunks.length})`);
  });
});
