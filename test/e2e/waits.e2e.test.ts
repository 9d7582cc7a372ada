// Runs that wait, in a real browser against the packaged .vsix: a run waiting on a wait token is completed from
// its panel's Complete… button (the JSON checked in the box, which keeps what was typed), and a parent's panel
// lists its child run live, which opens on a click. Uses the demo's trigger/wait-demo.ts.
import * as assert from 'node:assert/strict';

import { join } from 'node:path';
import {
  closeAllEditors,
  copyWorkspace,
  demoFolder,
  inputBoxValue,
  makeRunDir,
  openViewContainer,
  pickQuickItem,
  rowIconClasses,
  runCommand,
  SEL,
  submitInputBox,
  treeRows,
  waitForStatusBarItem,
  waitUntil,
  webviewFrame,
  type Locator,
  type Page,
  triggerTaskFromPalette,
} from '../harness/src/index';
import { openSession, packagedVsix, type Session } from './session';

const EXTENSION_ID = 'runlight.runlight';

/** "Runlight: Trigger Task…" through the palette, without tags; the run's panel opens. */
async function triggerFromPalette(page: Page, taskId: string, payload: string): Promise<void> {
  await triggerTaskFromPalette(page, taskId, payload);
}

/** The newest run row of a task in the Runs view. */
function runRow(page: Page, taskId: string): Locator {
  return treeRows(page)
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${taskId}$`) }) })
    .first();
}

describe('waits in the browser (packaged .vsix)', function () {
  this.timeout(180_000);
  let session: Session | undefined;
  let failed = false;
  let page: Page;

  before(async () => {
    const runDir = makeRunDir('e2e-waits');
    const folder = copyWorkspace(demoFolder, join(runDir, 'workspace'));
    session = await openSession({ name: 'waits', vsixFiles: [packagedVsix()], folder, runDir });
    page = session.page;
    await openViewContainer(page, 'Runlight');
    await waitForStatusBarItem(page, EXTENSION_ID);
    await treeRows(page, /^\s*wait-for-approval/)
      .first()
      .waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    await session?.shot(
      (this.currentTest?.title ?? 'step')
        .replace(/[^a-z0-9]+/gi, '-')
        .toLowerCase()
        .slice(0, 60),
    );
  });

  after(async () => {
    await session?.close({ failed });
  });

  it('completes a wait token from the run panel: the box checks the JSON and keeps it; the run resumes with it', async () => {
    await triggerFromPalette(page, 'wait-for-approval', '{"question":"e2e?"}');
    const panel = webviewFrame(page);
    await panel.locator('#run-waiting:not([hidden])').waitFor({ timeout: 30_000 });
    const waitingFor = (await panel.locator('#run-waiting-for').textContent()) ?? '';
    assert.match(waitingFor, /^token waitpoint_\w+$/);
    const tokenId = waitingFor.slice('token '.length);
    const row = runRow(page, 'wait-for-approval');
    await waitUntil('the run shows the waiting icon', async () => /codicon-debug-pause/.test(await rowIconClasses(row).catch(() => '')), {
      timeoutMs: 15_000,
    });
    assert.match((await row.locator('.label-description').textContent()) ?? '', new RegExp(`^Waiting for token ${tokenId}`));

    await panel.locator('#btn-complete-token').click();
    const box = page.locator(SEL.quickInputBox);
    await box.waitFor({ state: 'visible' });
    await page.locator(SEL.quickInput, { hasText: tokenId }).waitFor();
    await box.fill('{"approved": tru');
    await box.press('Enter');
    const message = page.locator(`${SEL.quickInput} .quick-input-message`);
    await message.filter({ hasText: /Not valid JSON/ }).waitFor({ timeout: 10_000 });
    await session!.shot('complete-token-invalid');
    assert.equal(await inputBoxValue(page), '{"approved": tru', 'what was typed stays in the box');
    await submitInputBox(page, '{"approved": true, "by": "e2e"}');
    await page.locator(SEL.quickInput).waitFor({ state: 'hidden' });

    await panel.locator('body[data-run-status="COMPLETED"]').waitFor({ timeout: 30_000 });
    assert.equal(await panel.locator('#run-waiting').isHidden(), true, 'no longer waiting');
    const output = (await panel.locator('#output').textContent()) ?? '';
    assert.match(output, /approved/);
    assert.match(output, /"e2e"/);
  });

  it('completes a token from the palette (a pick of the waiting tokens) and from the Runs view context menu', async () => {
    await closeAllEditors(page);
    await triggerFromPalette(page, 'wait-for-approval', '{"question":"palette?"}');
    const panel = webviewFrame(page);
    await panel.locator('#run-waiting:not([hidden])').waitFor({ timeout: 30_000 });
    const tokenId = ((await panel.locator('#run-waiting-for').textContent()) ?? '').slice('token '.length);
    await runCommand(page, 'Runlight: Complete Wait Token…');
    await pickQuickItem(page, new RegExp(tokenId));
    await page.locator(SEL.quickInput, { hasText: tokenId }).waitFor();
    await submitInputBox(page, '{"approved": false}');
    await page.locator(SEL.quickInput).waitFor({ state: 'hidden' });
    await panel.locator('body[data-run-status="COMPLETED"]').waitFor({ timeout: 30_000 });
    assert.match((await panel.locator('#output').textContent()) ?? '', /approved.*false/s);

    // The same command from the context menu of a waiting run in the Runs view.
    await closeAllEditors(page);
    await triggerFromPalette(page, 'wait-for-approval', '{"question":"context menu?"}');
    await webviewFrame(page).locator('#run-waiting:not([hidden])').waitFor({ timeout: 30_000 });
    const row = runRow(page, 'wait-for-approval');
    await waitUntil('the newest run shows the waiting icon', async () => /codicon-debug-pause/.test(await rowIconClasses(row).catch(() => '')), {
      timeoutMs: 15_000,
    });
    await row.click({ button: 'right' });
    // VS Code's menus act on the focused item: hovering focuses it, Enter runs it.
    await page.locator('.context-view .action-label', { hasText: 'Complete Wait Token…' }).first().hover();
    await page.keyboard.press('Enter');
    await submitInputBox(page, '{"approved": true, "from": "menu"}');
    await page.locator(SEL.quickInput).waitFor({ state: 'hidden' });
    await webviewFrame(page).locator('body[data-run-status="COMPLETED"]').waitFor({ timeout: 30_000 });
    assert.match((await webviewFrame(page).locator('#output').textContent()) ?? '', /"menu"/);
  });

  it("lists a parent's child runs live in its panel and nests them in the Runs view; a click opens the child's panel", async () => {
    await closeAllEditors(page);
    await triggerFromPalette(page, 'nested-demo', '{"total":40,"stepMs":100}');
    const parentPanel = webviewFrame(page);
    const child = parentPanel.locator('#children li.child-run').first();
    await child.waitFor({ timeout: 30_000 });
    assert.match((await parentPanel.locator('#children h2').textContent()) ?? '', /^Child runs \(1\)/);
    assert.match((await child.textContent()) ?? '', /progress-task/);
    const childId = (await child.getAttribute('data-run-id')) ?? '';
    assert.match(childId, /^run_/);
    await parentPanel.locator('#run-waiting-for', { hasText: '1 run' }).waitFor({ timeout: 15_000 });
    await session!.shot('parent-panel-children');

    const parentRow = runRow(page, 'nested-demo');
    await waitUntil('the parent run becomes expandable', async () => (await parentRow.getAttribute('aria-expanded')) !== null, { timeoutMs: 15_000 });
    // A click on the row opens the run (its command); the twistie expands it.
    if ((await parentRow.getAttribute('aria-expanded')) === 'false') await parentRow.locator('.monaco-tl-twistie').click();
    const level = Number(await parentRow.getAttribute('aria-level'));
    await treeRows(page)
      .and(page.locator(`[aria-level="${level + 1}"]`))
      .filter({ has: page.locator('.label-name', { hasText: /^progress-task$/ }) })
      .first()
      .waitFor({ timeout: 15_000 });

    await child.locator('button.child-open').click();
    await page.locator('.part.editor .tab.active', { hasText: /^progress-task/ }).waitFor({ timeout: 30_000 });
    await webviewFrame(page).locator('#run-id', { hasText: childId }).waitFor({ timeout: 30_000 });
    await session!.shot('child-panel');
  });
});
