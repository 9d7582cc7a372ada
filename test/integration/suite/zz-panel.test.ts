// Run panels: one opens for a run, and after a window reload the serializer brings it back; the Runs view's filter
// comes back too (it is kept in the workspace state). (Last file: its second test reloads the window; see ../index.ts.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { bridge, eventually, isRunlight, runReaches, runlight, tasksIndexed, trigger, uniqueTag } from './helpers';

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
  this.timeout(180_000);
  let runId = '';
  let tag = '';

  async function openPanel(): Promise<void> {
    const api = await runlight();
    await api.engine.ready();
    await tasksIndexed(api, ['progress-task']);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    tag = uniqueTag('panel');
    runId = await trigger('progress-task', { total: 2, stepMs: 20 }, [tag]);
    await runReaches(api, runId, 'COMPLETED');
    await vscode.commands.executeCommand('runlight.openRun', runId);
    await eventually('the panel is open', () => (api.openPanels().includes(runId) ? true : undefined));
  }

  before(function () {
    if (!isRunlight()) this.skip();
  });

  it('opens for a run', async () => {
    await openPanel();
    const tab = await eventually('the run panel is the active tab', () => {
      const active = vscode.window.tabGroups.activeTabGroup.activeTab;
      return active && runPanelTabs().includes(active) ? active : undefined;
    });
    assert.ok(tab.isActive);
  });

  it('survives a window reload, and so does the Runs filter', async function () {
    // Only the code-server runner carries results across a reload (see ../index.ts).
    if (!process.env.RUNLIGHT_TEST_STATE) this.skip();
    if (!runId) await openPanel(); // run alone (a grep)
    const filter = `tag:${tag} status:completed`;
    assert.equal(await vscode.commands.executeCommand('runlight.filterRuns', filter), filter);
    // The webview stores its state (the run id) once loaded; the workbench saves it with the layout.
    await new Promise((r) => setTimeout(r, Number(process.env.RUNLIGHT_RELOAD_SETTLE_MS ?? 1000)));
    await bridge().reloadWindow({ runId, filter });
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

  it('@after-reload: the Runs view keeps its filter, shows it and applies it', async () => {
    const { runId: id, filter } = bridge().data as { runId: string; filter: string };
    const api = await runlight();
    try {
      const shown = api.runsView.filter();
      assert.equal(shown.text, filter);
      assert.equal(shown.description, filter);
      await api.engine.ready();
      const recent = await eventually('the filtered runs', () => {
        const items = api.runsView.children('group:recent');
        return items.length === 1 ? items : undefined;
      });
      assert.equal(recent[0]!.id, `run:${encodeURIComponent(id)}`);
      assert.match(api.runsView.filter().message ?? '', /^Filter: tag:\S+ status:completed — 1 run matches\./);
    } finally {
      await vscode.commands.executeCommand('runlight.clearFilter');
    }
  });
});
