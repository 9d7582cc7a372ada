// The trigger form in a real browser against the packaged .vsix: "Runlight: Trigger Task…" on a schemaTask (zod 4)
// opens the task's form in an editor tab; the JSON language marks a bad payload; Ctrl+Enter on it says what is wrong
// and keeps the form; a good payload sent with Ctrl+Enter opens the run's panel; its Edit & Replay button opens the form
// again with the run's payload. Saves screenshots of the form (test-results/screenshots/trigger-form-*.png).
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  activeTab,
  copyWorkspace,
  demoFolder,
  makeRunDir,
  openViewContainer,
  pickQuickItem,
  replaceEditorText,
  repoRoot,
  runCommand,
  SEL,
  treeRows,
  waitForStatusBarItem,
  webviewFrame,
  type Page,
} from '../harness/src/index';
import { openSession, packagedVsix, type Session } from './session';

const TASK = 'form-typed';
const SOURCE = `import { schemaTask } from '@trigger.dev/sdk';
import { z } from 'zod';

export const formTyped = schemaTask({
  id: '${TASK}',
  schema: z.object({ prompt: z.string().min(1), count: z.number().int().positive() }),
  run: async (payload) => ({ echoed: payload.prompt.repeat(payload.count) }),
});
`;

/** Replaces the active editor's text as a person would (select all, paste), then formats it (Format Document). */
async function typeForm(page: Page, text: string): Promise<void> {
  await replaceEditorText(page, text);
  await runCommand(page, 'Format Document');
  await page.locator(SEL.quickInput).waitFor({ state: 'hidden' });
  // the palette leaves the focus where it opened from: back into the editor, for Ctrl+Enter
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  // the one-line paste left the view scrolled to its end: back to the top, so the whole form (and its marks) is shown
  await page.keyboard.press('ControlOrMeta+Home');
}

const form = (payload: unknown, options: unknown): string => JSON.stringify({ $schema: `runlight-schema:/${TASK}.json`, payload, options });

describe('trigger form (packaged .vsix)', function () {
  this.timeout(300_000);
  let session: Session | undefined;
  let failed = false;
  let page: Page;

  before(async () => {
    const runDir = makeRunDir('e2e-trigger-form');
    const folder = copyWorkspace(demoFolder, join(runDir, 'workspace'));
    // a schemaTask with zod 4 (the repository's copy, as a workspace would have it installed)
    // (the copy's node_modules is a link to the demo's: it becomes a folder of links, so nothing is added to the demo)
    const modules = join(folder, 'node_modules');
    const shared = existsSync(modules) ? realpathSync(modules) : undefined;
    rmSync(modules, { force: true });
    mkdirSync(modules);
    for (const name of shared ? readdirSync(shared) : []) symlinkSync(join(shared!, name), join(modules, name));
    symlinkSync(realpathSync(join(repoRoot, 'node_modules', 'zod')), join(modules, 'zod'));
    writeFileSync(join(folder, 'trigger', 'form-typed.ts'), SOURCE);
    session = await openSession({ name: 'trigger-form', vsixFiles: [packagedVsix()], folder, runDir });
    page = session.page;
    await openViewContainer(page, 'Runlight');
    await waitForStatusBarItem(page, 'runlight.runlight');
    await treeRows(page, new RegExp(`^\\s*${TASK}`))
      .first()
      .waitFor({ timeout: 120_000 });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await session?.close({ failed });
  });

  it('opens the form with an example payload, marks a bad payload, refuses it on Ctrl+Enter and keeps the form', async () => {
    await runCommand(page, 'Runlight: Trigger Task…');
    await pickQuickItem(page, TASK);
    const picked = Date.now();
    await activeTab(page, `${TASK}.json`).waitFor({ timeout: 30_000 });
    const editor = page.locator('.editor-group-container.active .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: '"prompt": ""' }).waitFor({ timeout: 30_000 });
    console.log(`    form open ${Date.now() - picked} ms after the task pick`);
    await editor.locator('.codelens-decoration', { hasText: 'Trigger' }).first().waitFor({ timeout: 15_000 });

    await typeForm(page, form({ prompt: 'hi', count: 0 }, { tags: ['form-e2e'], ttl: '10m' }));
    await editor.locator('.squiggly-warning, .squiggly-error').first().waitFor({ timeout: 30_000 });
    await session!.shot('invalid');

    await page.keyboard.press('Control+Enter');
    const refused = page.locator(SEL.notification, { hasText: 'not triggered: payload.count: must be more than 0' });
    await refused.waitFor({ timeout: 15_000 });
    assert.ok(await activeTab(page, `${TASK}.json`).isVisible(), 'the form stays');
    await refused
      .locator('.codicon-notifications-clear, .codicon-close')
      .first()
      .click({ timeout: 2000 })
      .catch(() => undefined);
  });

  it('sends a good form with Ctrl+Enter: the run panel opens, and Edit & Replay brings the form back with its payload', async () => {
    await typeForm(page, form({ prompt: 'from the browser ', count: 2 }, { tags: ['form-e2e'], ttl: '10m' }));
    const editor = page.locator('.editor-group-container.active .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: '"count": 2' }).waitFor({ timeout: 15_000 });
    await page.waitForFunction(
      () =>
        document.querySelectorAll(
          '.editor-group-container.active .monaco-editor .squiggly-warning, .editor-group-container.active .monaco-editor .squiggly-error',
        ).length === 0,
      undefined,
      {
        timeout: 15_000,
      },
    );
    await session!.shot('form');

    const sent = Date.now();
    await page.keyboard.press('Control+Enter');
    await activeTab(page, `${TASK}.json`).waitFor({ state: 'hidden', timeout: 30_000 });
    const panel = webviewFrame(page);
    await panel.locator('body[data-run-status="COMPLETED"]').waitFor({ timeout: 60_000 });
    console.log(`    Ctrl+Enter → run COMPLETED in its panel: ${Date.now() - sent} ms`);
    await panel.getByText('from the browser from the browser').first().waitFor({ timeout: 10_000 });
    await panel.getByText('form-e2e').first().waitFor({ timeout: 10_000 });
    await session!.shot('run-panel');

    await panel.locator('#btn-replay-edited').click();
    await activeTab(page, `${TASK}.json`).waitFor({ timeout: 30_000 });
    await page.locator('.editor-group-container.active .monaco-editor .view-lines', { hasText: 'from the browser' }).first().waitFor({ timeout: 15_000 });
    await session!.shot('replay-edited');
  });
});
