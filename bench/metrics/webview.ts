import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { makeNonce, renderPanelHtml } from '../../src/extension/panel/html';
import { PANEL_DELTA_MS, RunPanelModel, toStreamItem } from '../../src/extension/panel/panelModel';
import type { Run } from '../../src/protocol/run';
import { makeRun } from '../../test/unit/extension/fixtures';
import type { HostToWebview } from '../../src/protocol/webview';
import { installHarness } from '../lib/harness';
import { metric, type Metric } from '../lib/metric';
import { removeDir, repoRoot, tempDir } from '../lib/procs';
import { sleep } from '../lib/stats';

const TOTAL_BYTES = 1024 * 1024;
const RATE = 500;
const CHUNK = 200; // characters per chunk: 1 MiB in 5,243 chunks, ~10.5 s at 500/s
const LONG_FRAME_MS = 50;
const RUN_ID = 'run_benchwebview0000000000';
const STREAM = 'answer';

type Mode = 'text' | 'rendered';

/** Serves the run panel page exactly as the extension renders it (same HTML, CSP, script and styles). */
function servePanel(): Promise<{ url: string; server: Server }> {
  const files: Record<string, { path: string; type: string }> = {
    '/main.js': { path: 'dist/webview/main.js', type: 'text/javascript' },
    '/panel.css': { path: 'media/panel.css', type: 'text/css' },
    '/codicons/codicon.css': { path: 'media/codicons/codicon.css', type: 'text/css' },
  };
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    const path = normalize(new URL(req.url ?? '/', origin).pathname);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        renderPanelHtml({
          cspSource: origin,
          nonce: makeNonce(),
          scriptUri: `${origin}/main.js`,
          styleUri: `${origin}/panel.css`,
          codiconsUri: `${origin}/codicons/codicon.css`,
          runId: RUN_ID,
          title: `Run ${RUN_ID}`,
        }),
      );
      return;
    }
    const f = files[path] ?? (path.startsWith('/codicons/') ? { path: join('media', path), type: 'font/ttf' } : undefined);
    let body: Buffer | undefined;
    try {
      body = f && readFileSync(join(repoRoot, f.path));
    } catch {
      body = undefined;
    }
    if (!f || !body) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': f.type }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`, server });
    }),
  );
}

/** Installed in the page before the panel's script: the webview API VS Code provides, and frame observers. */
function pageSetup(mode: Mode): string {
  return `(() => {
    const state = { runId: ${JSON.stringify(RUN_ID)}, modes: { ${JSON.stringify(STREAM)}: ${JSON.stringify(mode)} } };
    window.__sent = [];
    window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__sent.push(m), getState: () => state, setState: () => {} });
    window.__from = Infinity;
    window.__loaf = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        // Where a long frame went: scripts (who ran them, how long, forced layout), then style/layout and paint.
        const scripts = (e.scripts || []).map((s) => ({ invoker: s.invoker, ms: Math.round(s.duration), layoutMs: Math.round(s.forcedStyleAndLayoutDuration || 0) }));
        const end = e.startTime + e.duration;
        window.__loaf.push({ start: e.startTime, duration: e.duration, blocking: e.blockingDuration ?? 0, scripts, layoutMs: e.styleAndLayoutStart ? Math.round(end - e.styleAndLayoutStart) : 0 });
      }
    })
      .observe({ type: 'long-animation-frame', buffered: true });
    window.__gaps = [];
    let last;
    const tick = (t) => { if (last !== undefined && t > window.__from) window.__gaps.push(t - last); last = t; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })();`;
}

function words(n: number, seed: number): string {
  const vocab = ['stream', 'token', 'panel', 'run', 'engine', 'the', 'a', 'of', 'latency', 'render', '**bold**', '`code`', 'model', 'output', 'and'];
  let out = '';
  for (let i = 0; out.length < n; i++) {
    out += vocab[(seed * 31 + i * 7) % vocab.length] + ((i + seed) % 17 === 16 ? '.\n\n' : ' ');
  }
  return out.slice(0, n);
}

function baseRun(): Run {
  const t = new Date().toISOString();
  return makeRun({ id: RUN_ID, status: 'EXECUTING', createdAt: t, updatedAt: t, startedAt: t, realtimeStreams: [STREAM], metadata: { progress: 0 } });
}

interface LoafEntry {
  duration: number;
  scripts: { invoker: string; ms: number; layoutMs: number }[];
  layoutMs: number;
}

interface Round {
  longFrames: number;
  longestLoafMs: number;
  maxGapMs: number;
  frames: number;
  seconds: number;
  chars: number;
}

/** One mode: the host-side panel model feeds the real webview bundle in Chromium, deltas every PANEL_DELTA_MS. */
async function round(mode: Mode, url: string, profile: string, log: (s: string) => void): Promise<Round> {
  const { launchChromium, firstPage } = await import('../../test/harness/src/browser');
  const context = await launchChromium(profile);
  try {
    const page = await firstPage(context);
    await page.addInitScript(pageSetup(mode));
    await page.goto(url);
    await page.waitForFunction('window.__sent.some((m) => m.type === "ready")', undefined, { timeout: 20_000 });
    const post = (m: HostToWebview): Promise<void> => page.evaluate((msg) => window.postMessage(msg, '*'), m as unknown as Record<string, unknown>);
    const model = new RunPanelModel(RUN_ID);
    model.setRun(baseRun());
    model.ensureStream(STREAM);
    await post(model.snapshot());
    await page.waitForSelector(`[data-stream-key="${STREAM}"]`, { timeout: 10_000 });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => { window.__from = performance.now(); r(); })))');

    const chunks = Math.ceil(TOTAL_BYTES / CHUNK);
    let sent = 0;
    const t0 = performance.now();
    while (sent < chunks) {
      const due = Math.min(chunks, Math.floor(((performance.now() - t0) / 1000) * RATE));
      const items = [];
      for (; sent < due; sent++) items.push(toStreamItem(words(CHUNK, sent)));
      if (items.length) {
        model.appendChunks(STREAM, sent - items.length, items);
        const run = baseRun();
        model.setRun({ ...run, metadata: { progress: sent / chunks }, updatedAt: new Date().toISOString() });
      }
      const delta = model.takeDelta();
      if (delta) await post(delta);
      await sleep(PANEL_DELTA_MS);
    }
    const seconds = (performance.now() - t0) / 1000;
    await sleep(500);
    const r = (await page.evaluate(`(() => {
      const loaf = window.__loaf.filter((e) => e.start >= window.__from);
      const el = document.querySelector('[data-stream-key="${STREAM}"]');
      return { loaf, gaps: window.__gaps, chars: (el && el.textContent || '').length };
    })()`)) as { loaf: LoafEntry[]; gaps: number[]; chars: number };
    const long = r.loaf.filter((e) => e.duration > LONG_FRAME_MS);
    for (const e of long) log(`    ${mode}: ${Math.round(e.duration)} ms frame: scripts ${JSON.stringify(e.scripts)}, style/layout/paint ${e.layoutMs} ms`);
    return {
      longFrames: long.length,
      longestLoafMs: Math.max(0, ...r.loaf.map((e) => e.duration)),
      maxGapMs: Math.max(0, ...r.gaps),
      frames: r.gaps.length,
      seconds,
      chars: r.chars,
    };
  } finally {
    await context.close();
  }
}

/** Group 9: 1 MiB of streamed text at 500 chunks/s into the run panel in Chromium; long frames by the Performance API. */
export async function webviewMetrics(log: (s: string) => void): Promise<Metric[]> {
  log(`9. webview: ${TOTAL_BYTES / 1024} KiB of text at ${RATE} chunks/s into the run panel in Chromium (text and rendered modes)`);
  installHarness();
  const { url, server } = await servePanel();
  const out: Metric[] = [];
  try {
    for (const mode of ['text', 'rendered'] as const) {
      const profile = await tempDir('chromium');
      try {
        const r = await round(mode, url, profile, log);
        log(
          `  ${mode}: ${r.frames} frames in ${r.seconds.toFixed(1)} s, ${r.longFrames} long animation frames (> ${LONG_FRAME_MS} ms), longest ${r.longestLoafMs.toFixed(0)} ms, longest rAF gap ${r.maxGapMs.toFixed(0)} ms, ${r.chars} chars shown`,
        );
        out.push(
          metric({
            name: `webview longest frame, 1 MiB @500/s (${mode})`,
            value: r.longestLoafMs,
            unit: 'ms',
            baseline: LONG_FRAME_MS,
            ratio: r.longestLoafMs / LONG_FRAME_MS,
            goal: `no frame > ${LONG_FRAME_MS} ms`,
            pass: r.longFrames === 0,
            note: `${r.longFrames} long animation frames (PerformanceObserver long-animation-frame, after the first render); ${r.frames} frames, longest requestAnimationFrame gap ${r.maxGapMs.toFixed(0)} ms; value 0 = no frame over ${LONG_FRAME_MS} ms was reported`,
          }),
        );
      } finally {
        await removeDir(profile);
      }
    }
  } finally {
    server.close();
  }
  return out;
}
