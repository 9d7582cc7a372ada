// Driving the VS Code 1.100 workbench in the browser: selectors seen working on code-server 4.100.3.
import type { Frame, FrameLocator, Locator, Page } from 'playwright-core';

export const SEL = {
  activityBar: '.monaco-workbench .part.activitybar',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRow: '.quick-input-widget .monaco-list-row',
  sidebarRow: '#workbench\\.parts\\.sidebar .pane-body .monaco-list-row',
  statusBar: '#workbench\\.parts\\.statusbar',
  notification: '.notifications-toasts .notification-toast',
} as const;

/**
 * Status-bar items of an extension: their DOM id is the extension id (`publisher.name`), followed by
 * `.<item id>` when the item was created with an id.
 */
export function statusBarItemSelector(extensionId: string): string {
  return `${SEL.statusBar} [id="${extensionId}"], ${SEL.statusBar} [id^="${extensionId}."]`;
}

/** Loads the workbench and waits for its activity bar (3–4 s on VS Code 1.100.3). */
export async function openWorkbench(page: Page, url: string, { timeoutMs = 60_000 } = {}): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await page.locator(SEL.activityBar).waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Waits for an extension's status-bar item, the sign it has activated (6–9 s after load). */
export async function waitForStatusBarItem(page: Page, extensionId: string, { timeoutMs = 60_000 } = {}): Promise<Locator> {
  const item = page.locator(statusBarItemSelector(extensionId));
  await item.first().waitFor({ state: 'attached', timeout: timeoutMs });
  return item.first();
}

/** Closes any open quick input. */
export async function dismissQuickInput(page: Page): Promise<void> {
  if (await page.locator(SEL.quickInput).isVisible()) await page.keyboard.press('Escape');
}

/** Opens the command palette (F1) with focus in the workbench. */
export async function openCommandPalette(page: Page): Promise<Locator> {
  await dismissQuickInput(page);
  await page
    .locator('.monaco-workbench .part.statusbar')
    .click({ position: { x: 2, y: 2 } })
    .catch(() => undefined);
  await page.locator('.monaco-workbench').press('F1');
  const box = page.locator(SEL.quickInputBox);
  await box.waitFor({ state: 'visible', timeout: 10_000 });
  return box;
}

/** Runs a command by its palette title, e.g. "Runlight: Trigger Task…". */
export async function runCommand(page: Page, title: string, { timeoutMs = 15_000 } = {}): Promise<void> {
  const box = await openCommandPalette(page);
  await box.fill(`>${title}`);
  const row = page.locator(SEL.quickInputRow).filter({ hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
}

/** Waits for the quick pick to show an item labelled `label` (a string matches the label exactly) and picks it. */
export async function pickQuickItem(page: Page, label: string | RegExp, { timeoutMs = 30_000 } = {}): Promise<void> {
  const rows = page.locator(SEL.quickInputRow);
  const row = (typeof label === 'string' ? rows.filter({ has: page.getByText(label, { exact: true }) }) : rows.filter({ hasText: label })).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
}

/** Types `text` into the open input box (replacing its value) and presses Enter. */
export async function submitInputBox(page: Page, text: string, { timeoutMs = 15_000 } = {}): Promise<void> {
  const box = page.locator(SEL.quickInputBox);
  await box.waitFor({ state: 'visible', timeout: timeoutMs });
  await box.fill(text);
  await box.press('Enter');
}

/** The current value of the open input box. */
export async function inputBoxValue(page: Page): Promise<string> {
  return page.locator(SEL.quickInputBox).inputValue();
}

/**
 * Replaces the text of the active editor as a person would: select all, paste (typing it would let the editor add
 * closing brackets and quotes, and accept completions).
 */
export async function replaceEditorText(page: Page, text: string, { timeoutMs = 30_000, attempts = 3 } = {}): Promise<void> {
  const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  await lines.waitFor({ state: 'visible', timeout: timeoutMs });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
  // the editor renders spaces as no-break spaces; compare without any whitespace
  const squash = (t: string) => t.replace(/[\s\u00a0]+/g, '');
  let shown = '';
  for (let i = 0; i < attempts; i++) {
    await lines.click();
    await page.evaluate(async (t) => navigator.clipboard.writeText(t), text);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('ControlOrMeta+V');
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      shown = (await lines.textContent()) ?? '';
      if (squash(shown) === squash(text)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the editor does not show the pasted text after ${attempts} attempts (it shows ${JSON.stringify(shown.slice(0, 200))})`);
}

/** The active editor tab whose label is `name` (e.g. `chat.json`). */
export function activeTab(page: Page, name: string): Locator {
  return page.locator('.tabs-container .tab.active', { hasText: name });
}

/**
 * Runlight's trigger form (the editor tab `<task>.json` that "Runlight: Trigger Task…" opens): replaces its text with
 * `{ "$schema", "payload": <payloadJson>, "options" }` as a person would (select all, type) and sends it with
 * Ctrl+Enter; resolves once the run's panel took the form's place. `payloadJson` undefined: no payload.
 */
export async function sendTriggerForm(
  page: Page,
  taskId: string,
  payloadJson: string | undefined,
  options: Record<string, unknown> = {},
  { timeoutMs = 30_000 } = {},
): Promise<void> {
  const name = `${taskId.split('/').pop()}.json`;
  const tab = activeTab(page, name);
  await tab.waitFor({ state: 'visible', timeout: timeoutMs });
  const payload = payloadJson === undefined ? '' : `"payload":${payloadJson},`;
  await replaceEditorText(page, `{"$schema":"runlight-schema:/${taskId}.json",${payload}"options":${JSON.stringify(options)}}`, { timeoutMs });
  await page.keyboard.press('Control+Enter');
  try {
    await tab.waitFor({ state: 'hidden', timeout: timeoutMs });
  } catch (err) {
    const notes = (
      await page
        .locator(SEL.notification)
        .allTextContents()
        .catch(() => [])
    ).join(' | ');
    throw new Error(`the trigger form of ${taskId} was not sent${notes ? ` (notifications: ${notes})` : ''}`, { cause: err });
  }
}

/** "Runlight: Trigger Task…" through the palette: picks the task, then fills and sends its trigger form. */
export async function triggerTaskFromPalette(
  page: Page,
  taskId: string,
  payloadJson: string | undefined,
  options: Record<string, unknown> = {},
): Promise<void> {
  await runCommand(page, 'Runlight: Trigger Task…');
  await pickQuickItem(page, taskId);
  await sendTriggerForm(page, taskId, payloadJson, options);
}

/** Clicks a view container's activity-bar entry (aria-label starts with its title), unless it is open. */
export async function openViewContainer(page: Page, title: string): Promise<void> {
  const entry = page.locator(`.part.activitybar a.action-label[aria-label^="${title}"]`).first();
  await entry.waitFor({ state: 'visible', timeout: 30_000 });
  const item = entry.locator('xpath=ancestor::li[1]');
  const checked = ((await item.getAttribute('class')) ?? '').split(/\s+/).includes('checked');
  if (!checked) await entry.click();
}

/** Tree rows of the side bar whose text matches. */
export function treeRows(page: Page, text?: string | RegExp): Locator {
  const rows = page.locator(SEL.sidebarRow);
  return text === undefined ? rows : rows.filter({ hasText: text });
}

/** A tree item by its accessible name (VS Code sets aria-label from the label or tooltip). */
export function treeItem(page: Page, name: string | RegExp): Locator {
  return page.getByRole('treeitem', { name });
}

/** Expands a collapsed tree row. */
export async function expandRow(row: Locator): Promise<void> {
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
}

/** The icon class list of a row (e.g. `codicon-loading`, `codicon-pass`). */
export async function rowIconClasses(row: Locator): Promise<string> {
  const icon = row.locator('.custom-view-tree-node-item-icon, .codicon').first();
  return (await icon.getAttribute('class')) ?? '';
}

/** The content document of the visible webview (two nested iframes). */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe#active-frame');
}

/** The content document of the visible webview as a Frame (for `evaluate`); retries while webviews swap. */
export async function webviewContentFrame(page: Page, { timeoutMs = 30_000 } = {}): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const outer = page.locator('iframe.webview.ready >> visible=true').first();
      await outer.waitFor({ state: 'attached', timeout: Math.max(1, deadline - Date.now()) });
      const outerFrame = await (await outer.elementHandle())?.contentFrame();
      const inner = outerFrame?.locator('iframe#active-frame').first();
      await inner?.waitFor({ state: 'attached', timeout: 5000 });
      const frame = await (await inner?.elementHandle())?.contentFrame();
      if (frame && !frame.isDetached()) {
        await frame.waitForLoadState('domcontentloaded');
        return frame;
      }
    } catch (err) {
      last = err;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no visible webview content frame within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

/** Closes every editor (so the next webview opened is the only one). */
export async function closeAllEditors(page: Page): Promise<void> {
  await runCommand(page, 'View: Close All Editors');
  await page
    .locator('.part.editor .tabs-container .tab')
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
}

/** Saves a screenshot; never fails the test. */
export async function screenshot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: file }).catch(() => undefined);
}

/**
 * Makes the workbench write its state (editor layout, webview state) to browser storage now. It
 * does so when the window loses focus (and on a timer, and best-effort while unloading), so this
 * reports a short loss of focus. Use before a reload whose restore a test checks.
 */
export async function flushWorkbenchStorage(page: Page, { settleMs = 1500 } = {}): Promise<void> {
  // A string, not a function: tsx's transform would add helpers the page does not have.
  await page.evaluate(`(async () => {
    const doc = window.document;
    const original = doc.hasFocus.bind(doc);
    const tick = (ms) => new Promise((r) => setTimeout(r, ms));
    // VS Code's window focus tracker only reports a blur after it has seen a focus.
    window.dispatchEvent(new FocusEvent('focus'));
    await tick(50);
    doc.hasFocus = () => false;
    window.dispatchEvent(new FocusEvent('blur'));
    await tick(300);
    doc.hasFocus = original;
    window.dispatchEvent(new FocusEvent('focus'));
  })()`);
  await page.waitForTimeout(settleMs);
}
