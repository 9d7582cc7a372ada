// Hostile model output in the run panel, in Chromium inside code-server with the packaged .vsix:
// <script>, <img onerror>, <iframe>, javascript: links, CSS injection, HTML inside an OpenAI chunk and
// ~5 MB of text must render inert and readable in text and rendered (markdown) modes: no dialog, no
// script run, no element created from the model's markup, no network request, nonce CSP kept.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closeAllEditors,
  copyWorkspace,
  demoFolder,
  makeRunDir,
  openViewContainer,
  treeRows,
  waitForStatusBarItem,
  webviewContentFrame,
  type Frame,
  type Page,
  triggerTaskFromPalette,
} from '../harness/src/index';
import { openSession, packagedVsix, type Session } from './session';

const EXTENSION_ID = 'runlight.runlight';
const TASK_ID = 'hostile-output';
const END_MARK = 'END-OF-HOSTILE-OUTPUT';
/** 80 chunks of 64 KiB: 5 MiB of text after the hostile pieces. */
const BULK_CHUNKS = 80;
const BULK_CHUNK_CHARS = 64 * 1024;

/** The task the test adds to its throw-away workspace copy (examples/demo itself is not changed). */
const HOSTILE_TASK = `import { streams, task } from "@trigger.dev/sdk";

const pieces = [
  "<script>window.__pwned=1; alert('script')</script>\\n\\n",
  '<img src=x onerror="window.__pwned=2; alert(\\'img\\')">\\n\\n',
  '<iframe src="javascript:window.__pwned=3; alert(\\'iframe\\')"></iframe>\\n\\n',
  "[click](javascript:window.__pwned=4)\\n\\n",
  "[spaced](java\\tscript:window.__pwned=44)\\n\\n",
  '<a href="javascript:window.__pwned=5">raw link</a>\\n\\n',
  "<style>body{display:none}</style>\\n\\n",
  "![pixel](https://tracker.invalid/pixel.png)\\n\\n",
  '<svg onload="window.__pwned=7"></svg> <object data="https://tracker.invalid/o"></object>\\n\\n',
];

export const hostileOutput = task({
  id: "${TASK_ID}",
  run: async () => {
    for (const p of pieces) await streams.append("answer", p);
    await streams.append("answer", {
      id: "chatcmpl-x",
      object: "chat.completion.chunk",
      created: 0,
      model: "gpt-4o-mini",
      choices: [{ index: 0, delta: { content: '<img src=y onerror="window.__pwned=6"><b>delta-html</b>\\n\\n' }, finish_reason: null }],
    });
    const line = "bulk text <b>not bold</b> & <i>not italic</i> ".repeat(4096);
    for (let i = 0; i < ${BULK_CHUNKS}; i++) {
      await streams.append("answer", (i + ":" + line).slice(0, ${BULK_CHUNK_CHARS}));
    }
    await streams.append("answer", "\\n\\n${END_MARK}\\n");
    return { ok: true };
  },
});
`;

async function triggerFromPalette(page: Page, taskId: string): Promise<void> {
  await triggerTaskFromPalette(page, taskId, '{}');
}

/** Is `frame` (or an ancestor) a webview frame? */
function inWebview(frame: Frame | null): boolean {
  for (let f = frame; f; f = f.parentFrame()) if (/\/webview\/|vscode-webview|webview\/browser\/pre/i.test(f.url())) return true;
  return false;
}

interface Inspection {
  pwned: unknown;
  csp: string;
  scriptNonce: string;
  bodyDisplay: string;
  textLen: number;
  textHas: Record<string, boolean>;
  hostileEls: string[];
  jsLinks: number;
  anchors: string[];
  rendered: boolean;
  renderedLen: number;
  renderedHas: Record<string, boolean>;
}

const INSPECT = `(() => {
  const panel = document.querySelector('.stream[data-stream-key="answer"]');
  const text = panel ? panel.querySelector('pre.stream-text') : null;
  const rendered = panel ? panel.querySelector('div.stream-rendered') : null;
  const t = text ? text.textContent : '';
  const r = rendered ? rendered.textContent : '';
  const needles = ['<script>window.__pwned=1', '<img src=x onerror=', '<iframe src="javascript:', '<style>body{display:none}</style>', 'delta-html', '<b>not bold</b>', '${END_MARK}'];
  const has = (s) => Object.fromEntries(needles.map((n) => [n, s.includes(n)]));
  const bad = panel ? [...panel.querySelectorAll('script, iframe, frame, img, style, link, svg, object, embed, video, audio, source, form, input, [onerror], [onload], [style*="display"]')] : [];
  const anchors = panel ? [...panel.querySelectorAll('a')] : [];
  const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  const script = document.querySelector('script[src]');
  return {
    pwned: window.__pwned,
    csp: meta ? meta.getAttribute('content') : '',
    scriptNonce: script ? script.nonce : '',
    bodyDisplay: getComputedStyle(document.body).display,
    textLen: t.length,
    textHas: has(t),
    hostileEls: bad.map((e) => e.outerHTML.slice(0, 120)),
    jsLinks: anchors.filter((a) => /^\\s*javascript:/i.test(a.getAttribute('href') || '')).length,
    anchors: anchors.map((a) => a.getAttribute('href') || '(no href)'),
    rendered: !!rendered && !rendered.hidden && rendered.offsetParent !== null,
    renderedLen: r.length,
    renderedHas: has(r),
  };
})()`;

describe('Hostile model output in the run panel (packaged .vsix, Chromium)', function () {
  this.timeout(240_000);
  let session: Session | undefined;
  let failed = false;
  let page: Page;
  const dialogs: string[] = [];
  const requests: { url: string; frameUrl: string; webview: boolean }[] = [];
  let workbenchOrigin = '';

  before(async () => {
    const runDir = makeRunDir('xss');
    const folder = copyWorkspace(demoFolder, join(runDir, 'workspace'));
    writeFileSync(join(folder, 'trigger', 'hostile.ts'), HOSTILE_TASK);
    session = await openSession({ name: 'xss', vsixFiles: [packagedVsix()], folder, runDir });
    page = session.page;
    workbenchOrigin = new URL(session.server.url).origin;
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => undefined);
    });
    // Every request of the browser context (pages, frames, service workers).
    session.context.on('request', (req) => {
      let frameUrl = '';
      let webview = false;
      try {
        frameUrl = req.frame().url();
        webview = inWebview(req.frame());
      } catch {
        // service-worker requests have no frame
      }
      requests.push({ url: req.url(), frameUrl, webview });
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await session?.close({ failed });
  });

  it('renders hostile stream output inert and readable in text and rendered modes', async () => {
    await openViewContainer(page, 'Runlight');
    await waitForStatusBarItem(page, EXTENSION_ID);
    await treeRows(page, new RegExp(`^\\s*${TASK_ID}`))
      .first()
      .waitFor({ timeout: 60_000 });
    await closeAllEditors(page);

    const requestsBefore = requests.length;
    await triggerFromPalette(page, TASK_ID);
    const frame = await webviewContentFrame(page);
    const started = Date.now();
    await frame.locator('.stream[data-stream-key="answer"] pre.stream-text').filter({ hasText: END_MARK }).waitFor({ timeout: 120_000 });
    const streamedMs = Date.now() - started;
    await frame.locator('#tabs button.tab[data-tab="answer"]').click();

    // Text mode.
    await frame.locator('.stream[data-stream-key="answer"] .mode-btn[data-mode="text"]').click();
    const text = (await frame.evaluate(INSPECT)) as Inspection;
    await session!.shot('text-mode');

    // Rendered (markdown) mode: rebuilt from the full text.
    await frame.locator('.stream[data-stream-key="answer"] .mode-btn[data-mode="rendered"]').click();
    const renderStarted = Date.now();
    let rendered = (await frame.evaluate(INSPECT)) as Inspection;
    while (!rendered.renderedHas[END_MARK] && Date.now() - renderStarted < 60_000) {
      await new Promise((r) => setTimeout(r, 250));
      rendered = (await frame.evaluate(INSPECT)) as Inspection;
    }
    const renderMs = Date.now() - renderStarted;
    await session!.shot('rendered-mode');
    // Give any late handler (onerror of a broken image, a lazily loaded frame) a moment to fire.
    await new Promise((r) => setTimeout(r, 1500));
    rendered = (await frame.evaluate(INSPECT)) as Inspection;
    // The hostile pieces are at the top (the view follows the end while streaming).
    await frame.evaluate(`document.querySelector('.stream[data-stream-key="answer"] .stream-body').scrollTop = 0`);
    await session!.shot('rendered-mode-top');

    const outerPwned = await frame
      .parentFrame()
      ?.evaluate('window.__pwned')
      .catch(() => 'unreadable');
    const pagePwned = await page.evaluate('window.__pwned');
    const webviewRequests = requests.slice(requestsBefore).filter((r) => r.webview);
    // Allowed: the workbench origin, and the webview resource origin (served by the webview's service worker)
    // for files of the installed extension itself (panel.css, codicons, dist/webview/main.js).
    const allowed = (u: string): boolean =>
      u.startsWith(workbenchOrigin) ||
      u.startsWith('data:') ||
      u.startsWith('blob:') ||
      (/^https:\/\/[^/]+\.vscode-resource\.vscode-cdn\.net\//.test(u) && u.includes(`/extensions/${EXTENSION_ID}-`));
    const foreign = requests.slice(requestsBefore).filter((r) => !allowed(r.url));
    const suspicious = requests.slice(requestsBefore).filter((r) => /tracker\.invalid|\/x$|\/y$|pixel\.png/.test(r.url));

    const resources = webviewRequests.map((r) => r.url.replace(/^.*\/extensions\/[^/]+\//, '')).join(', ');
    console.log(
      `      streamed ${(text.textLen / 1e6).toFixed(2)} M chars in ${streamedMs} ms; rendered mode ${(rendered.renderedLen / 1e6).toFixed(2)} M chars in ${renderMs} ms; ` +
        `${webviewRequests.length} webview requests, ${foreign.length} elsewhere (${resources}); ${dialogs.length} dialogs`,
    );

    assert.deepEqual(dialogs, [], 'no dialog fired');
    assert.equal(text.pwned, undefined, 'window.__pwned in the webview content frame (text mode)');
    assert.equal(rendered.pwned, undefined, 'window.__pwned in the webview content frame (rendered mode)');
    assert.equal(outerPwned, undefined, 'window.__pwned in the outer webview frame');
    assert.equal(pagePwned, undefined, 'window.__pwned in the workbench');

    assert.deepEqual(text.hostileEls, [], 'no element from the model markup in text mode');
    assert.deepEqual(rendered.hostileEls, [], 'no element from the model markup in rendered mode');
    assert.equal(rendered.jsLinks, 0, `no javascript: link (anchors: ${rendered.anchors.join(', ')})`);
    for (const href of rendered.anchors) assert.match(href, /^(https?:|mailto:|\(no href\))/, `anchor href ${href}`);
    assert.notEqual(text.bodyDisplay, 'none', 'the <style> did not hide the body (text mode)');
    assert.notEqual(rendered.bodyDisplay, 'none', 'the <style> did not hide the body (rendered mode)');

    for (const [needle, ok] of Object.entries(text.textHas)) assert.ok(ok, `text mode shows ${JSON.stringify(needle)} as text`);
    for (const [needle, ok] of Object.entries(rendered.renderedHas)) assert.ok(ok, `rendered mode shows ${JSON.stringify(needle)} as text`);
    assert.ok(text.textLen >= BULK_CHUNKS * BULK_CHUNK_CHARS, `the whole ~5 MB arrived (${text.textLen} chars)`);
    assert.ok(rendered.rendered, 'the rendered view is the one shown');

    assert.deepEqual(suspicious, [], 'no request for the hostile URLs');
    assert.deepEqual(
      webviewRequests.filter((r) => !allowed(r.url)),
      [],
      `webview requests only to the workbench origin ${workbenchOrigin} and the extension's own resources`,
    );
    assert.deepEqual(foreign, [], 'no request to any other origin at all');

    assert.match(rendered.csp, /default-src 'none'/, `CSP: ${rendered.csp}`);
    const nonce = /script-src 'nonce-([^']+)'/.exec(rendered.csp)?.[1];
    assert.ok(nonce && nonce.length >= 16, `CSP has a script nonce: ${rendered.csp}`);
    assert.equal(rendered.scriptNonce, nonce, 'the panel script carries the CSP nonce');
    assert.doesNotMatch(rendered.csp, /unsafe-inline|unsafe-eval/, 'no unsafe-inline / unsafe-eval');
  });
});
