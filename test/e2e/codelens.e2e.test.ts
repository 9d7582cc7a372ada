// CodeLens in a real browser against the packaged .vsix: a task file opened from the Tasks view shows ▶ Trigger above
// its task definition; once a run of it exists (triggered here from outside VS Code, through the engine's API with the
// workspace's key, as a user's own script would) the lens shows its status and age, and a click opens its panel.
// Saves a screenshot of the lenses (test-results/screenshots/codelens-*.png).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { treeRows, webviewFrame, type Page } from '../harness/src/index';
import { openDemoSession, type Session } from './session';

describe('code lenses above task definitions (packaged .vsix)', function () {
  this.timeout(240_000);
  let session: Session | undefined;
  let failed = false;
  let page: Page;
  let folder: string;

  before(async () => {
    ({ session, folder } = await openDemoSession('codelens', /^\s*progress-task/));
    page = session.page;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await session?.close({ failed });
  });

  it('shows ▶ Trigger, then the latest run, whose lens opens its panel', async () => {
    await treeRows(page, /^\s*progress-task/)
      .first()
      .click();
    await page.locator('.tabs-container .tab.active', { hasText: 'progress-task.ts' }).waitFor({ timeout: 15_000 });
    const lenses = page.locator('.monaco-editor .codelens-decoration');
    await lenses.filter({ hasText: 'Trigger' }).first().waitFor({ timeout: 30_000 });

    // A run from outside the editor: the engine the extension started, found through the workspace's files.
    const { url } = JSON.parse(readFileSync(join(folder, '.runlight', 'engine.json'), 'utf8')) as { url: string };
    const key = readFileSync(join(folder, '.runlight', 'secret-key'), 'utf8').trim();
    const res = await fetch(`${url}/api/v1/tasks/progress-task/trigger`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ payload: { total: 2, stepMs: 50 } }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { id } = (await res.json()) as { id: string };

    // One decoration per line holds every lens of the line, each a link.
    const latest = lenses.locator('a', { hasText: 'Completed' }).first();
    await latest.waitFor({ timeout: 60_000 });
    assert.match((await lenses.allTextContents()).join(' | '), /Trigger.*Completed/);
    await session!.shot('trigger-and-latest-run');

    await latest.click();
    const panel = webviewFrame(page);
    await panel.locator('body[data-run-status="COMPLETED"]').waitFor({ timeout: 30_000 });
    assert.match((await panel.locator('body').textContent()) ?? '', new RegExp(id));
  });
});
