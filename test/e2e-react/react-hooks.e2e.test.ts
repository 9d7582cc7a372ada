import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { auth, configure, runs, tasks, wait } from '@trigger.dev/sdk';
import type { BrowserContext, Page } from '../harness/src';
import { launchChromium, firstPage } from '../harness/src/browser';
import { AWAIT_TOKEN_TASK, startSdkEngine, TR_SECRET, type SdkEngine } from '../unit/engine/trigger-compat/support';
import { TASKS } from '../unit/engine/fixtures';
import { repoRoot, waitFor } from '../support/engine';

/**
 * `@trigger.dev/react-hooks` (useRealtimeRun, useRealtimeRunWithStreams, useRealtimeRunsWithTag) in a page
 * bundled with esbuild, served from another origin than the engine (so CORS is exercised), in Debian
 * Chromium through playwright-core, with a Public Access Token made by the official SDK.
 *
 * Run: npx mocha --no-config -n import=tsx --timeout 120000 --exit test/e2e-react/*.e2e.test.ts
 */

const ANSWER = 'Why? Sunlight scatters off air molecules, and short blue wavelengths scatter the most. ';

describe('react-hooks: the official hooks in Chromium against the engine', function () {
  this.timeout(120_000);
  let e: SdkEngine;
  let dir: string;
  let server: Server;
  let pageUrl: string;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlight-react-'));
    const files = {
      ...TASKS,
      'trigger/await-token.ts': AWAIT_TOKEN_TASK,
      'trigger/multi-stream.ts': await readFile(join(repoRoot, 'examples/demo/trigger/multi-stream.ts'), 'utf8'),
    };
    const [engine] = await Promise.all([
      startSdkEngine(files, { RUNLIGHT_ELECTRIC_LIVE_POLL_MS: '5000' }),
      build({
        entryPoints: [join(__dirname, 'page.ts')],
        bundle: true,
        outfile: join(dir, 'www', 'page.js'),
        platform: 'browser',
        format: 'esm',
        // A lazily imported Node transport of a dependency; never loaded in the browser.
        external: ['node:*'],
        define: { 'process.env.NODE_ENV': '"production"' },
        logLevel: 'error',
      }),
    ]);
    e = engine;
    await waitFor(async () => ((await e.client.listTasks()).tasks.some((t) => t.id === 'multi-stream') ? true : undefined), 30_000, 'tasks');
    const js = await readFile(join(dir, 'www', 'page.js'));
    const html = '<!doctype html><meta charset="utf-8"><title>runlight react hooks</title><div id="root"></div><script type="module" src="/page.js"></script>';
    server = createServer((req, res) => {
      if (req.url?.startsWith('/page.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    context = await launchChromium(join(dir, 'chromium'));
    page = await firstPage(context);
  });

  after(async () => {
    await context?.close();
    server?.close();
    await e?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows live status, streamed text and the runs of a tag', async () => {
    configure({ baseURL: e.url, accessToken: TR_SECRET });
    const tag = `react-${Date.now()}`;
    // Delayed so the page is subscribed before the run starts, and sees it move.
    const handle = await tasks.trigger('multi-stream', { question: 'Why?' }, { delay: '8s', tags: [tag] });
    const token = await auth.createPublicToken({ scopes: { read: { runs: [handle.id], tags: [tag] } }, expirationTime: '10m' });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    if (process.env.RL_DEBUG) page.on('console', (m) => console.log('console:', m.text()));
    if (process.env.RL_DEBUG) page.on('requestfailed', (r) => console.log('failed:', r.url(), r.failure()?.errorText));
    if (process.env.RL_DEBUG) page.on('response', (r) => console.log('resp:', r.status(), r.url().slice(0, 140)));
    const q = new URLSearchParams({ baseURL: e.url, token, runId: handle.id, tag });
    await page.goto(`${pageUrl}?${q}`);

    await page.waitForFunction(() => document.getElementById('run-status')?.textContent === 'DELAYED', undefined, { timeout: 20_000 });
    await tasks.trigger('echo', { value: 'tagged' }, { tags: [tag] });
    await page.waitForFunction(() => document.getElementById('run-status')?.textContent === 'COMPLETED', undefined, { timeout: 30_000 });
    await page.waitForFunction((a) => document.getElementById('answer')?.textContent === a, ANSWER, { timeout: 15_000 });
    assert.equal(await page.textContent('#reasoning'), 'Reading the question…|Recalling Rayleigh scattering…|Drafting an answer…');
    assert.equal(await page.textContent('#streams-status'), 'COMPLETED');

    const statuses = await page.evaluate(() => window.statuses);
    assert.equal(statuses[0], 'DELAYED');
    assert.equal(statuses.at(-1), 'COMPLETED');
    assert.ok(statuses.includes('EXECUTING'), statuses.join(' → '));

    await page.waitForFunction(
      () => {
        const items = [...document.querySelectorAll('#tagged li')];
        return items.length === 2 && items.every((li) => li.getAttribute('data-status') === 'COMPLETED');
      },
      undefined,
      { timeout: 20_000 },
    );
    assert.deepEqual(await page.evaluate(() => window.errors), []);
    assert.deepEqual(errors, []);
  });

  it('a token for another run is refused, and the hook reports the error', async () => {
    const other = await tasks.trigger('echo', { value: 'not yours' });
    const token = await auth.createPublicToken({ scopes: { read: { runs: ['run_someoneelse'] } }, expirationTime: '10m' });
    const q = new URLSearchParams({ baseURL: e.url, token, runId: other.id, tag: 'none' });
    await page.goto(`${pageUrl}?${q}`);
    await page.waitForFunction(() => window.errors.some((m) => m.startsWith('useRealtimeRun:')), undefined, { timeout: 15_000 });
    assert.equal(await page.textContent('#run-status'), 'loading');
  });

  it('useWaitToken completes the token a run waits on, with the Public Access Token createToken gave', async () => {
    configure({ baseURL: e.url, accessToken: TR_SECRET });
    const token = await wait.createToken({ timeout: '10m' });
    const handle = await tasks.trigger('await-token', { tokenId: token.id });
    const read = await auth.createPublicToken({ scopes: { read: { runs: [handle.id] } }, expirationTime: '10m' });
    // The page approves with the token's own Public Access Token (write:waitpoints:<id>); the test reads the run.
    const q = new URLSearchParams({ baseURL: e.url, token: token.publicAccessToken, runId: handle.id, waitToken: token.id });
    await page.goto(`${pageUrl}?${q}`);
    await waitFor(async () => ((await runs.retrieve(handle.id)).status === 'WAITING' ? true : undefined), 30_000, 'the run to wait');
    await page.click('#approve');
    await page.waitForFunction(() => document.getElementById('token-state')?.textContent === 'completed', undefined, { timeout: 15_000 });
    configure({ baseURL: e.url, accessToken: read });
    let last;
    for await (const run of runs.subscribeToRun(handle.id, { signal: AbortSignal.timeout(20_000) })) last = run;
    assert.equal(last?.status, 'COMPLETED');
    const output = last?.output as { ok: boolean; output: unknown };
    assert.deepEqual([output.ok, output.output], [true, { approved: true, by: 'browser' }]);
    assert.deepEqual(await page.evaluate(() => window.errors.filter((m) => m.startsWith('useWaitToken'))), []);
  });
});
