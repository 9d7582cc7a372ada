import assert from 'node:assert/strict';
import { parseTokenDataInput } from '../../../src/extension/commands/inputs';
import { runDescription } from '../../../src/extension/format';
import { completionNotice } from '../../../src/extension/notify';
import { panelCsp, renderPanelHtml } from '../../../src/extension/panel/html';
import { parseSettings } from '../../../src/extension/settingsModel';
import { statusBarLook } from '../../../src/extension/statusBarModel';
import { T0, makeRun } from './fixtures';

describe('formatting', () => {
  it('describes a finished run with status · duration · age', () => {
    const run = makeRun({ status: 'COMPLETED', createdAt: new Date(T0).toISOString(), startedAt: new Date(T0).toISOString(), durationMs: 1500 });
    assert.equal(runDescription(run, T0 + 120_000), 'Completed · 1.5s · 2m ago');
  });
});

describe('completion notifications', () => {
  const running = makeRun({ status: 'EXECUTING' });
  it('notify only on a transition into a terminal status, per setting', () => {
    const failed = { ...running, status: 'FAILED' as const };
    const ok = { ...running, status: 'COMPLETED' as const };
    assert.equal(completionNotice('failures', running, failed), 'failure');
    assert.equal(completionNotice('failures', running, ok), undefined);
    assert.equal(completionNotice('all', running, ok), 'success');
    assert.equal(completionNotice('all', running, { ...running, status: 'CANCELED' }), 'canceled');
    assert.equal(completionNotice('off', running, failed), undefined);
    assert.equal(completionNotice('all', undefined, failed), undefined, 'first seen finished: history, not news');
    assert.equal(completionNotice('all', failed, failed), undefined);
  });
});

describe('settings', () => {
  it('reads defaults and rejects bad values', () => {
    const d = parseSettings(() => undefined);
    assert.deepEqual(d, {
      taskDirectories: [],
      enginePort: 0,
      engineUrl: undefined,
      autoStart: true,
      runsPerGroup: 50,
      completionNotifications: 'failures',
      timeWindowMs: 7 * 86_400_000,
      codeLens: true,
      retentionDays: 7,
      retentionMaxRuns: 0,
    });
    const vals: Record<string, unknown> = {
      taskDirectories: ['jobs', 3, ''],
      'engine.port': 70000,
      'engine.url': 'ftp://nope',
      'engine.autoStart': false,
      'runs.perGroup': 5.7,
      'notifications.completion': 'all',
      'runs.timeWindow': 'all',
      'codeLens.enabled': false,
      'retention.days': -1,
      'retention.maxRuns': 250.5,
    };
    const s = parseSettings((k) => vals[k]);
    assert.deepEqual(s, {
      taskDirectories: ['jobs'],
      enginePort: 0,
      engineUrl: undefined,
      autoStart: false,
      runsPerGroup: 5,
      completionNotifications: 'all',
      timeWindowMs: undefined,
      codeLens: false,
      retentionDays: 7,
      retentionMaxRuns: 250,
    });
    assert.equal(parseSettings((k) => (k === 'engine.url' ? ' https://engines.example:8443/ ' : undefined)).engineUrl, 'https://engines.example:8443');
  });
});

describe('wait token input', () => {
  it('checks the data of Complete Wait Token…, naming what is wrong', () => {
    assert.deepEqual(parseTokenDataInput('  '), { ok: true, value: undefined });
    assert.deepEqual(parseTokenDataInput('{"approved":true}'), { ok: true, value: { approved: true } });
    assert.deepEqual(parseTokenDataInput('null'), { ok: true, value: null });
    const broken = parseTokenDataInput('{"approved": tru}');
    assert.match(broken.ok ? '' : broken.message, /^Not valid JSON: .*tru/);
    const proto = parseTokenDataInput('{"a":{"__proto__":{"x":1}}}');
    assert.match(proto.ok ? '' : proto.message, /^Not accepted at a\.__proto__: .*__proto__/);
    const big = parseTokenDataInput(JSON.stringify('x'.repeat(3 * 1024 * 1024)));
    assert.match(big.ok ? '' : big.message, /bytes; a wait token takes at most/);
  });
});

describe('status bar text', () => {
  it('shows running count, idle and error states', () => {
    assert.equal(statusBarLook({ kind: 'running', url: 'u' }, 2).text, '$(loading~spin) 2 running');
    assert.equal(statusBarLook({ kind: 'running', url: 'u' }, 0).text, '$(pulse) Runlight idle');
    const err = statusBarLook({ kind: 'error', message: 'boom' }, 0);
    assert.equal(err.error, true);
    assert.match(err.tooltip, /boom/);
  });
});

describe('panel HTML', () => {
  it('has a strict CSP with the nonce, and nothing inline', () => {
    const csp = panelCsp('vscode-resource:', 'N0NCE');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0NCE'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = renderPanelHtml({
      cspSource: 'src:',
      nonce: 'N0NCE',
      scriptUri: 's.js',
      styleUri: 'p.css',
      codiconsUri: 'c.css',
      runId: 'run_<x>',
      title: 't"',
    });
    assert.match(html, /<script nonce="N0NCE" src="s.js"><\/script>/);
    assert.doesNotMatch(html, /<script(?![^>]*nonce)/);
    assert.doesNotMatch(html, /run_<x>/, 'the run id is escaped');
    assert.doesNotMatch(html, / style=/);
    // Live regions: the status only (the header's), never the whole page with every streamed token.
    assert.doesNotMatch(html, /aria-live/);
  });

  it('gives the webview the workspace folder (escaped), to link stack frames', () => {
    const html = renderPanelHtml({
      cspSource: 's',
      nonce: 'n',
      scriptUri: 's',
      styleUri: 's',
      codiconsUri: 's',
      runId: 'r',
      title: 't',
      workspaceRoot: '/ws/"a"',
    });
    assert.match(html, /<body data-run-id="r" data-workspace-root="\/ws\/&#34;a&#34;">/);
  });
});
