// The run panel's timeline strip in a real browser against the packaged .vsix: a parent run (the demo's
// nested-demo: one attempt that waits on a child run) shows its attempt, its wait and its child on one time axis,
// live while it runs and settled once it completed; the bars carry tooltips, the strip a summary in words; a click
// on the child's bar opens the child's panel. Saves screenshots of the strip (test-results/screenshots/).
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { screenshotsDir, webviewContentFrame, webviewFrame, type Page, triggerTaskFromPalette } from '../harness/src/index';
import { openDemoSession, type Session } from './session';

describe('timeline strip in the browser (packaged .vsix)', function () {
  this.timeout(240_000);
  let session: Session | undefined;
  let failed = false;
  let page: Page;

  before(async () => {
    ({ session } = await openDemoSession('timeline', /^\s*nested-demo/));
    page = session.page;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await session?.close({ failed });
  });

  it("shows a parent run's attempt, its wait and its child on one axis, live, then settled; the child's bar opens its panel", async () => {
    await triggerTaskFromPalette(page, 'nested-demo', '{"total":60,"stepMs":100}');

    const panel = webviewFrame(page);
    // While the parent waits on its child: its attempt runs, its wait is open, the child's bar is there, "now" shows.
    // Read in one go inside the page (a busy machine must not let the run finish between separate reads).
    const frame = await webviewContentFrame(page, { timeoutMs: 60_000 });
    const live = await frame.waitForFunction(
      () => {
        const svg = document.querySelector('#timeline:not([hidden]) svg.timeline-svg');
        const wait = svg?.querySelector('rect.tl-wait[data-kind="runs"][data-open="true"]');
        if (!svg || !wait || !svg.querySelector('rect.tl-child')) return undefined;
        return {
          attempts: [...svg.querySelectorAll('rect.tl-attempt')].map((a) => `${a.getAttribute('data-attempt')}:${a.getAttribute('data-outcome')}`),
          children: svg.querySelectorAll('rect.tl-child').length,
          now: svg.querySelector('line.tl-now')?.getAttribute('display') !== 'none',
        };
      },
      undefined,
      { timeout: 60_000, polling: 100 },
    );
    assert.deepEqual(await live.jsonValue(), { attempts: ['1:running'], children: 1, now: true });
    await session!.shot('live');
    const strip = panel.locator('#timeline:not([hidden])');
    const child = strip.locator('rect.tl-child');

    // Once it completed: the attempt ended completed, the wait ended, the child completed; no "now" line.
    await panel.locator('body[data-run-status="COMPLETED"]').waitFor({ timeout: 60_000 });
    await strip.locator('rect.tl-attempt[data-attempt="1"][data-outcome="completed"]').waitFor({ timeout: 15_000 });
    await strip.locator('rect.tl-wait[data-open="false"]').waitFor({ timeout: 15_000 });
    await strip.locator('rect.tl-child[data-status="COMPLETED"]').waitFor({ timeout: 15_000 });
    assert.equal(await child.count(), 1);
    assert.equal(await strip.locator('line.tl-now').getAttribute('display'), 'none');
    assert.deepEqual(await strip.locator('g.tl-lane').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-lane'))), ['attempts', 'waits', 'children']);

    // Tooltips (SVG titles), the accessible names, and the summary in words.
    assert.match((await strip.locator('rect.tl-attempt title').textContent()) ?? '', /^Attempt 1 · completed · \d/);
    assert.match((await strip.locator('rect.tl-wait title').textContent()) ?? '', /^Waited for 1 run · \d/);
    const childLabel = (await child.getAttribute('aria-label')) ?? '';
    assert.match(childLabel, /^Child run progress-task \(run_\w+\) · Completed · /);
    assert.equal(await child.getAttribute('role'), 'button');
    assert.equal(await strip.locator('svg.timeline-svg').getAttribute('aria-describedby'), 'timeline-summary');
    assert.match((await strip.locator('#timeline-summary').textContent()) ?? '', /^Timeline over [\d.]+s: attempt 1 completed; 1 wait \(1 run\); 1 child run/);

    // Bars are in time order: the wait lies within the attempt; the child starts within the attempt and ends before the wait does.
    const box = async (sel: string) => {
      const r = strip.locator(sel);
      const [x, w] = await Promise.all([r.getAttribute('x'), r.getAttribute('width')]);
      return { x: Number(x), end: Number(x) + Number(w) };
    };
    const [attempt, wait, kid] = [await box('rect.tl-attempt'), await box('rect.tl-wait'), await box('rect.tl-child')];
    assert.ok(attempt.x <= wait.x && wait.end <= attempt.end + 1, JSON.stringify({ attempt, wait }));
    assert.ok(attempt.x <= kid.x + 1 && kid.end <= wait.end + 2, JSON.stringify({ attempt, wait, kid }));

    await strip.screenshot({ path: join(screenshotsDir, 'timeline-strip.png') });
    await session!.shot('completed');

    // A click on the child's bar opens the child's panel.
    const childId = childLabel.match(/\((run_\w+)\)/)![1]!;
    await child.click();
    await page.locator('.part.editor .tab.active', { hasText: /^progress-task/ }).waitFor({ timeout: 30_000 });
    await webviewFrame(page).locator('#run-id', { hasText: childId }).waitFor({ timeout: 30_000 });
    // The child's own strip: one completed attempt, no waits.
    const childStrip = webviewFrame(page).locator('#timeline:not([hidden])');
    await childStrip.locator('rect.tl-attempt[data-outcome="completed"]').waitFor({ timeout: 15_000 });
    assert.equal(await childStrip.locator('rect.tl-wait').count(), 0);
    await session!.shot('child');
  });
});
