import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { makeNonce, renderPanelHtml } from '../../src/extension/panel/html';
import { PANEL_DELTA_MS, RunPanelModel, toStreamItem } from '../../src/extension/panel/panelModel';
import type { Run } from '../../src/protocol/run';
import { makeRun } from '../../test/unit/extension/fixtures';
import type { ChildRun, ChildRuns, HostToWebview } from '../../src/protocol/webview';
import type { RunTimeline } from '../../src/protocol/timeline';
import { installHarness } from '../lib/harness';
import { metric, type Metric } from '../lib/metric';
import { removeDir, repoRoot, tempDir } from '../lib/procs';
import { sleep } from '../lib/stats';

const TOTAL_BYTES = 1024 * 1024;
const RATE = 500;
const CHUNK = 200; // characters per chunk: 1 MiB in 5,243 chunks, ~10.5 s at 500/s
const LONG_FRAME_MS = 50;
/** Beside the text, the timeline strip is live: log lines, child runs and waits arrive at these rates. */
const LOG_RATE = 200;
const CHILD_EVERY_MS = 500;
const CHILD_MS = 1500;
const WAIT_EVERY_MS = 2000;
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
  /** Bars on the timeline strip at the end, and log lines sent. */
  bars: number;
  logLines: number;
}

/** What the host would send the strip of a parent run while it streams: a child every CHILD_EVERY_MS, each done CHILD_MS later; a short wait every WAIT_EVERY_MS. */
class TimelineFeed {
  private readonly kids: ChildRun[] = [];
  constructor(private readonly t0: number) {}

  children(now: number): ChildRuns {
    while (this.t0 + this.kids.length * CHILD_EVERY_MS <= now) {
      const created = this.t0 + this.kids.length * CHILD_EVERY_MS;
      this.kids.push({
        id: `run_benchchild${String(this.kids.length).padStart(4, '0')}`,
        taskIdentifier: 'child',
        status: 'EXECUTING',
        createdAt: iso(created),
        startedAt: iso(created),
      });
    }
    const runs = this.kids.map((c) =>
      Date.parse(c.createdAt) + CHILD_MS <= now ? { ...c, status: 'COMPLETED' as const, finishedAt: iso(Date.parse(c.createdAt) + CHILD_MS) } : c,
    );
    return { runs, total: runs.length };
  }

  timeline(now: number): RunTimeline {
    const waits = [];
    for (let t = this.t0 + WAIT_EVERY_MS; t + 300 <= now; t += WAIT_EVERY_MS)
      waits.push({ startedAt: iso(t), endedAt: iso(t + 300), on: { kind: 'time' as const, until: iso(t + 300) } });
    return { runId: RUN_ID, attempts: [{ number: 1, startedAt: iso(this.t0), outcome: 'running' }], waits };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

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
    let logsSent = 0;
    const t0 = performance.now();
    const started = Date.now();
    const live = new TimelineFeed(started);
    while (sent < chunks) {
      const elapsed = performance.now() - t0;
      const due = Math.min(chunks, Math.floor((elapsed / 1000) * RATE));
      const items = [];
      for (; sent < due; sent++) items.push(toStreamItem(words(CHUNK, sent)));
      if (items.length) {
        model.appendChunks(STREAM, sent - items.length, items);
        const run = baseRun();
        model.setRun({ ...run, metadata: { progress: sent / chunks }, updatedAt: new Date().toISOString() });
      }
      // The timeline strip's inputs, live: log lines, child runs starting and finishing, waits.
      const logsDue = Math.floor((elapsed / 1000) * LOG_RATE);
      const lines = [];
      for (; logsSent < logsDue; logsSent++)
        lines.push({ level: logsSent % 50 === 0 ? ('warn' as const) : ('info' as const), message: `step ${logsSent}`, time: new Date().toISOString() });
      model.appendLogs(lines);
      model.setChildren(live.children(Date.now()));
      model.setTimeline(live.timeline(Date.now()));
      const delta = model.takeDelta();
      if (delta) await post(delta);
      await sleep(PANEL_DELTA_MS);
    }
    const seconds = (performance.now() - t0) / 1000;
    await sleep(500);
    const r = (await page.evaluate(`(() => {
      const loaf = window.__loaf.filter((e) => e.start >= window.__from);
      const el = document.querySelector('[data-stream-key="${STREAM}"]');
      const strip = document.querySelector('#timeline svg');
      return {
        loaf,
        gaps: window.__gaps,
        chars: (el && el.textContent || '').length,
        bars: strip ? strip.querySelectorAll('rect.tl-bar').length : 0,
        marks: strip ? strip.querySelectorAll('path.tl-logs[d^="M"]').length : 0,
      };
    })()`)) as { loaf: LoafEntry[]; gaps: number[]; chars: number; bars: number; marks: number };
    if (r.bars < 3 || r.marks < 1) throw new Error(`the timeline strip was not drawn (${r.bars} bars, ${r.marks} log mark paths)`);
    const long = r.loaf.filter((e) => e.duration > LONG_FRAME_MS);
    for (const e of long) log(`    ${mode}: ${Math.round(e.duration)} ms frame: scripts ${JSON.stringify(e.scripts)}, style/layout/paint ${e.layoutMs} ms`);
    return {
      longFrames: long.length,
      longestLoafMs: Math.max(0, ...r.loaf.map((e) => e.duration)),
      maxGapMs: Math.max(0, ...r.gaps),
      frames: r.gaps.length,
      seconds,
      chars: r.chars,
      bars: r.bars,
      logLines: logsSent,
    };
  } finally {
    await context.close();
  }
}

/** Group 9: 1 MiB of streamed text at 500 chunks/s into the run panel in Chromium, its timeline strip live; long frames by the Performance API. */
export async function webviewMetrics(log: (s: string) => void): Promise<Metric[]> {
  log(
    `9. webview: ${TOTAL_BYTES / 1024} KiB of text at ${RATE} chunks/s into the run panel in Chromium (text and rendered modes), its timeline strip live (${LOG_RATE} log lines/s, a child run every ${CHILD_EVERY_MS} ms, a wait every ${WAIT_EVERY_MS} ms)`,
  );
  installHarness();
  const { url, server } = await servePanel();
  const out: Metric[] = [];
  try {
    for (const mode of ['text', 'rendered'] as const) {
      const profile = await tempDir('chromium');
      try {
        const r = await round(mode, url, profile, log);
        log(
          `  ${mode}: ${r.frames} frames in ${r.seconds.toFixed(1)} s, ${r.longFrames} long animation frames (> ${LONG_FRAME_MS} ms), longest ${r.longestLoafMs.toFixed(0)} ms, longest rAF gap ${r.maxGapMs.toFixed(0)} ms, ${r.chars} chars shown; timeline strip live: ${r.logLines} log lines, ${r.bars} bars`,
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
            note: `${r.longFrames} long animation frames (PerformanceObserver long-animation-frame, after the first render); ${r.frames} frames, longest requestAnimationFrame gap ${r.maxGapMs.toFixed(0)} ms; value 0 = no frame over ${LONG_FRAME_MS} ms was reported; the timeline strip live meanwhile (${r.logLines} log lines, ${r.bars} bars at the end)`,
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
