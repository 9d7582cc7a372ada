// Run panels: one opens for a run, and after a window reload the serializer brings it back.
// (Last file: its second test reloads the window; see ../index.ts.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { bridge, eventually, isRunlight, runReaches, runlight, trigger, uniqueTag } from './helpers';

const VIEW_TYPE = 'runlight.run';

/** Webview tabs of run panels (the tab's viewType may carry a prefix). */
function runPanelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(VIEW_TYPE));
}

function describeTabs(): string {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
  return tabs.map((t) => `${t.label} (${t.input instanceof vscode.TabInputWebview ? t.input.viewType : 'other'})`).join('; ') || 'none';
}

describe('run panel', function () {
  this.timeout(90_000);
  let runId = '';

  before(function () {
    if (!isRunlight()) this.skip();
  });

  it('opens for a run', async () => {
    const api = await runlight();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    runId = await trigger('progress-task', { total: 2, stepMs: 20 }, [uniqueTag('panel')]);
    await runReaches(api, runId, 'COMPLETED');
    await vscode.commands.executeCommand('runlight.openRun', runId);
    await eventually('the panel is open', () => (api.openPanels().includes(runId) ? true : undefined));
    const tab = await eventually('the run panel is the active tab', () => {
      const active = vscode.window.tabGroups.activeTabGroup.activeTab;
      return active && runPanelTabs().includes(active) ? active : undefined;
    });
    assert.ok(tab.isActive);
  });

  it('survives a window reload', async function () {
    // Only the code-server runner carries results across a reload (see ../index.ts).
    if (!process.env.RUNLIGHT_TEST_STATE) this.skip();
    assert.ok(runId, 'the previous test opened a panel');
    // The webview stores its state (the run id) once loaded; the workbench saves it with the layout.
    await new Promise((r) => setTimeout(r, Number(process.env.RUNLIGHT_RELOAD_SETTLE_MS ?? 1000)));
    await bridge().reloadWindow({ runId });
  });

  it('@after-reload: the serializer restores the panel', async () => {
    const { runId: id } = bridge().data as { runId: string };
    const api = await runlight();
    try {
      await eventually('a run panel tab after the reload', () => (runPanelTabs().length > 0 ? true : undefined));
      await eventually(`the panel of ${id} is restored`, () => (api.openPanels().includes(id) ? true : undefined));
    } catch (err) {
      throw new Error(`${(err as Error).message}; tabs: ${describeTabs()}; open panels: ${api.openPanels().join(', ') || 'none'}`, { cause: err });
    }
  });
});
