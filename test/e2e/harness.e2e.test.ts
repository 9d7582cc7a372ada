// The harness itself, with the smallest extension: install a .vsix, open the workbench, see the
// extension activate, run a command from the palette and see its effect. Fails only on the harness.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { copyWorkspace, harnessDir, makeRunDir, repoRoot, runCommand, statusBarItemSelector, waitForStatusBarItem } from '../harness/src/index';
import { openSession, type Session } from './session';

describe('harness (trivial extension)', function () {
  this.timeout(120_000);
  let session: Session | undefined;
  let failed = false;

  before(async () => {
    const runDir = makeRunDir('e2e-harness');
    const fixture = join(harnessDir, 'fixtures', 'trivial-extension');
    const vsix = join(runDir, 'trivial.vsix');
    execFileSync(join(repoRoot, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], {
      cwd: fixture,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const folder = copyWorkspace(fixture, join(runDir, 'workspace'));
    session = await openSession({ name: 'harness', vsixFiles: [vsix], folder, runDir });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await session?.close({ failed });
  });

  it('activates the installed .vsix in the workbench', async () => {
    const item = await waitForStatusBarItem(session!.page, 'runlight-harness.trivial');
    assert.match((await item.textContent()) ?? '', /Trivial 0/);
  });

  it('runs a command from the command palette', async () => {
    const page = session!.page;
    await runCommand(page, 'Trivial: Hello');
    await page.locator(statusBarItemSelector('runlight-harness.trivial'), { hasText: 'Trivial 1' }).waitFor();
    await session!.shot('after-command');
  });
});
