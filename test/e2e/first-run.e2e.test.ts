// First run, in a real browser against the packaged .vsix, on an empty folder: the walkthrough's "Create Example
// Task" writes trigger/example.ts and opens it; the engine picks it up and the notification's Trigger runs it; the
// run panel shows it complete with the greeting.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeRunDir, pickQuickItem, runCommand, SEL, sendTriggerForm, webviewFrame, type Page } from '../harness/src/index';
import { openSession, packagedVsix, type Session } from './session';

describe('first run: walkthrough → example task → trigger → watch (packaged .vsix)', function () {
  this.timeout(300_000);
  let session: Session | undefined;
  let failed = false;
  let page: Page;
  let folder: string;

  before(async () => {
    const runDir = makeRunDir('e2e-first-run');
    folder = join(runDir, 'workspace', 'empty-project');
    mkdirSync(folder, { recursive: true });
    session = await openSession({ name: 'first-run', vsixFiles: [packagedVsix()], folder, runDir });
    page = session.page;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await session?.close({ failed });
  });

  it('the walkthrough creates the example task, which opens and runs to completion', async () => {
    await runCommand(page, 'Welcome: Open Walkthrough...');
    await pickQuickItem(page, 'Get Started with Runlight');
    const create = page.getByRole('button', { name: 'Create Example Task' });
    await page
      .getByRole('button', { name: /Create an example task/ })
      .first()
      .click();
    await create.waitFor({ timeout: 30_000 });
    await session!.shot('walkthrough');
    await create.click();

    await page.locator('.tabs-container .tab.active', { hasText: 'example.ts' }).waitFor({ timeout: 30_000 });
    assert.ok(existsSync(join(folder, 'trigger', 'example.ts')), 'trigger/example.ts written');

    const ready = page.locator(SEL.notification, { hasText: 'is ready' });
    await ready.waitFor({ timeout: 180_000 });
    await ready.getByRole('button', { name: 'Trigger' }).click();
    // the example task's trigger form opens: the payload goes there, Ctrl+Enter sends it
    await sendTriggerForm(page, 'hello-world', '{"name":"Ada"}');

    const panel = webviewFrame(page);
    await panel.locator('body[data-run-status="COMPLETED"]').waitFor({ timeout: 60_000 });
    await panel.getByText('Hello, Ada! This greeting arrives one word at a time.').first().waitFor({ timeout: 10_000 });
    await session!.shot('example-task-completed');
  });
});
