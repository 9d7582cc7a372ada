// Errors that lead to code, in a real browser against the packaged .vsix: a failed run's panel shows the frames of
// the workspace's task file as links and folds the worker's and Node's frames; a click opens the file at the line;
// the error and the payload open in editors from their sections.
// Uses the demo's trigger/failing-task.ts.
import * as assert from 'node:assert/strict';

import { webviewFrame, type Page, triggerTaskFromPalette } from '../harness/src/index';
import { openDemoSession, type Session } from './session';

describe('errors that lead to code (packaged .vsix)', function () {
  this.timeout(180_000);
  let session: Session | undefined;
  let failed = false;
  let page: Page;

  before(async () => {
    ({ session } = await openDemoSession('stack-links', /^\s*failing-task/));
    page = session.page;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await session?.close({ failed });
  });

  it("links the task file's frames, folds the internal ones, and opens the file at the line", async () => {
    await triggerTaskFromPalette(page, 'failing-task', '{}');
    const panel = webviewFrame(page);
    await panel.locator('body[data-run-status="FAILED"]').waitFor({ timeout: 30_000 });
    const link = panel.locator('#error-stack a.stack-link').first();
    await link.waitFor({ timeout: 10_000 });
    assert.match((await link.getAttribute('data-file')) ?? '', /[\\/]trigger[\\/]failing-task\.ts$/);
    assert.equal(await link.getAttribute('data-line'), '9');
    const folded = (await panel.locator('#error-stack details.stack-folded > summary').allTextContents()).join(' | ');
    assert.match(folded, /^\d+ internal frames?/);
    assert.doesNotMatch((await panel.locator('#error-stack > .stack-line').allTextContents()).join('\n'), /worker|node:internal/);
    await session!.shot('error-folded-with-links');

    await link.click();
    await page.locator('.tabs-container .tab.active', { hasText: 'failing-task.ts' }).waitFor({ timeout: 15_000 });
    const selection = page.locator('[id="status.editor.selection"]');
    await selection.filter({ hasText: /Ln 9, Col \d+/ }).waitFor({ timeout: 10_000 });
  });

  it('opens the error, and the payload, in an editor from their sections', async () => {
    const panel = webviewFrame(page);
    await panel.locator('#error-section summary button[data-action="open"]').click();
    const editor = page.locator('.editor-group-container .monaco-editor .view-lines');
    await editor.filter({ hasText: 'Error: This task fails on purpose' }).first().waitFor({ timeout: 15_000 });
    await panel.locator('#payload-section summary button[data-action="open"]').click();
    await editor.filter({ hasText: '{}' }).first().waitFor({ timeout: 15_000 });
    await session!.shot('error-opened-in-editor');
  });
});
