import assert from 'node:assert/strict';
import { planRender } from '../../../src/webview/app';
import { appendItems, rawLines, streamText } from '../../../src/webview/chunks';
import { initialState, reduce } from '../../../src/webview/state';
import { childRows } from '../../../src/webview/views/children';
import { errorText } from '../../../src/webview/views/error';
import { fmtTime, headerModel, liveDuration } from '../../../src/webview/views/header';
import { jsonKey } from '../../../src/webview/views/json';
import { logLine } from '../../../src/webview/views/logs';
import { MARKDOWN_EVERY_MS, TEXT_SEGMENT_CHARS, markdownDue, segmentCut } from '../../../src/webview/views/panes';
import { progressRows } from '../../../src/webview/views/progress';
import { streamStateText } from '../../../src/webview/views/stream';
import { showsAddedTab } from '../../../src/webview/views/streams';
import type { StreamItem } from '../../../src/protocol/webview';
import { makeRun, T0 } from '../extension/fixtures';

const t = (text: string): StreamItem => ({ kind: 'text', text });
const j = (value: unknown): StreamItem => ({ kind: 'json', value: value as never });

describe('run panel views (what each derives from the state)', () => {
  describe('render plan', () => {
    it('rebuilds on a new snapshot, redraws the notice and the run only when they changed', () => {
      const run = makeRun({ status: 'EXECUTING' });
      const s1 = reduce(initialState, { type: 'snapshot', runId: run.id, run, streams: [], logs: [] });
      assert.deepEqual(planRender(undefined, s1), { reset: true, notice: false, run, children: true });
      const s2 = reduce(s1, { type: 'delta', streams: [{ key: 'a', from: 0, items: [t('x')] }] });
      assert.deepEqual(planRender(s1, s2), { reset: false, notice: false, run: undefined, children: false });
      const s3 = reduce(s2, { type: 'notice', notice: { level: 'error', message: 'cancel failed' } });
      assert.deepEqual(planRender(s2, s3), { reset: false, notice: true, run: undefined, children: false });
      const run2 = { ...run, status: 'COMPLETED' as const };
      const s4 = reduce(s3, { type: 'delta', run: run2 });
      assert.equal(planRender(s3, s4).run, run2);
      const s5 = reduce(s4, { type: 'snapshot', runId: run.id, run: null, streams: [], logs: [] });
      assert.deepEqual(planRender(s4, s5), { reset: true, notice: true, run: undefined, children: false });
      const kids = { runs: [{ id: 'run_c', taskIdentifier: 'critic', status: 'QUEUED' as const, createdAt: run.createdAt }], total: 1 };
      const s6 = reduce(s5, { type: 'delta', children: kids });
      assert.equal(planRender(s5, s6).children, true, 'a new child list redraws it');
      assert.equal(planRender(s6, reduce(s6, { type: 'delta', logs: [] })).children, false);
    });
  });

  describe('header', () => {
    it('shows the status look, facts and whether Cancel applies', () => {
      const running = makeRun({ status: 'EXECUTING', taskIdentifier: 'chat', startedAt: new Date(T0).toISOString(), tags: ['a', 'b'], attemptCount: 2 });
      const m = headerModel(running, T0 + 1500);
      assert.equal(m.iconClass, 'codicon codicon-loading codicon-modifier-spin');
      assert.equal(m.iconColor, 'var(--vscode-testing-runAction)');
      assert.equal(m.label, 'Executing');
      assert.equal(m.status, 'EXECUTING');
      assert.deepEqual(m.tags, ['a', 'b']);
      assert.equal(m.batch, '—');
      assert.equal(m.finished, '—');
      assert.equal(m.duration, '1.5s');
      assert.equal(m.attempt, '2');
      assert.equal(m.cancelDisabled, false);
      assert.equal(m.title, 'chat · Executing');

      const done = makeRun({ status: 'COMPLETED', batchId: 'batch_1', attemptCount: 0, durationMs: 850, startedAt: new Date(T0).toISOString() });
      const d = headerModel(done, T0 + 60_000);
      assert.equal(d.iconClass, 'codicon codicon-pass');
      assert.equal(d.batch, 'batch_1');
      assert.equal(d.schedule, '');
      const scheduled = makeRun({ schedule: { id: 'sched_1', generator: { type: 'CRON', expression: '0 * * * *', description: 'Every hour' } } });
      assert.equal(headerModel(scheduled, T0).schedule, 'sched_1 (0 * * * *)');
      assert.equal(d.attempt, '—');
      assert.equal(d.duration, '850ms');
      assert.equal(d.cancelDisabled, true);
    });

    it('says what a waiting run waits on, and offers Complete… only for a token', () => {
      const token = headerModel(makeRun({ status: 'WAITING', waitingFor: { kind: 'token', tokenId: 'waitpoint_1' } }), T0);
      assert.equal(token.iconClass, 'codicon codicon-debug-pause');
      assert.equal(token.waitingFor, 'token waitpoint_1');
      assert.equal(token.tokenId, 'waitpoint_1');
      const runs = headerModel(makeRun({ status: 'WAITING', waitingFor: { kind: 'runs', runIds: ['a'] } }), T0);
      assert.deepEqual([runs.waitingFor, runs.tokenId], ['1 run', undefined]);
      const resumed = headerModel(makeRun({ status: 'EXECUTING' }), T0);
      assert.deepEqual([resumed.waitingFor, resumed.tokenId], ['', undefined]);
    });

    it('ticks the duration only while the run is going', () => {
      const started = new Date(T0).toISOString();
      assert.equal(liveDuration(makeRun({ status: 'EXECUTING', startedAt: started }), T0 + 12_000), '12s');
      assert.equal(liveDuration(makeRun({ status: 'QUEUED' }), T0), undefined);
      assert.equal(liveDuration(makeRun({ status: 'COMPLETED', startedAt: started, durationMs: 5 }), T0 + 12_000), undefined);
      assert.equal(liveDuration(null, T0), undefined);
    });

    it('shows a missing time as a dash and an unreadable one as it is', () => {
      assert.equal(fmtTime(undefined), '—');
      assert.equal(fmtTime('not a date'), 'not a date');
      assert.notEqual(fmtTime(new Date(T0).toISOString()), '—');
    });
  });

  it('progress: percentages with one decimal, keyed by metadata path', () => {
    assert.deepEqual(progressRows({ progress: 0.12345, steps: { done: 1, total: 3 } }), [
      { key: 'progress', percent: 12.3, text: '12%' },
      { key: 'steps', percent: 33.3, text: '1 / 3' },
    ]);
    assert.deepEqual(progressRows(undefined), []);
  });

  it('JSON sections are rebuilt only when what they show changes', () => {
    assert.equal(jsonKey({ a: 1 }, ''), jsonKey({ a: 1 }, ''));
    assert.notEqual(jsonKey({ a: 1 }, ''), jsonKey({ a: 2 }, ''));
    assert.notEqual(jsonKey(undefined, 'no output'), jsonKey(undefined, 'not finished yet'));
    assert.notEqual(jsonKey(undefined, 'null'), jsonKey(null, 'null'));
    // The same JSON with other types (a Date's text, then a Date) is another view.
    assert.notEqual(jsonKey({ at: '1970-01-01T00:00:00.000Z' }, ''), jsonKey({ at: '1970-01-01T00:00:00.000Z' }, '', { values: { at: ['Date'] } }));
    assert.equal(jsonKey({ a: 1 }, '', undefined), jsonKey({ a: 1 }, ''));
  });

  it('error section: hidden without an error; name, message and stack otherwise', () => {
    assert.deepEqual(errorText(makeRun({ status: 'COMPLETED' })), { hidden: true, message: '', stack: '' });
    assert.deepEqual(errorText(makeRun({ status: 'FAILED', error: { name: 'TypeError', message: 'boom', stackTrace: 'at x' } })), {
      hidden: false,
      message: 'TypeError: boom',
      stack: 'at x',
    });
    assert.deepEqual(errorText(makeRun({ status: 'FAILED', error: { message: 'boom' } })), { hidden: false, message: 'boom', stack: '' });
  });

  describe('streams', () => {
    it('the text view appends what new chunks add, joined to the text so far, as the whole text reads', () => {
      const items = [t('Hello'), j({ type: 'text-delta', textDelta: ' world' }), j({ other: 1 }), t('tail'), j(2)];
      let tail = '';
      let text = '';
      for (const [from, to] of [
        [0, 2],
        [2, 3],
        [3, 5],
      ] as const) {
        const r = appendItems(items.slice(0, to), from, tail);
        text += r.add;
        tail = r.tail;
      }
      assert.equal(text, streamText(items));
      assert.equal(text, 'Hello world\n{"other":1}\ntail\n2\n');
      assert.deepEqual(appendItems(items, items.length, 'x'), { add: '', tail: 'x' });
    });

    it('the raw view adds one JSON line per new chunk', () => {
      const items = [t('a"b'), j({ x: 1 }), { kind: 'binary', size: 2, hex: '00 ff' } as StreamItem];
      assert.equal(rawLines(items, 0), '"a\\"b"\n{"x":1}\n[binary 2 bytes] 00 ff\n');
      assert.equal(rawLines(items, 2), '[binary 2 bytes] 00 ff\n');
      assert.equal(rawLines(items, 3), '');
    });

    it('text segments are cut at the last line end once a segment is full', () => {
      assert.equal(segmentCut(10, 'a\nb\nc'), -1);
      assert.equal(segmentCut(TEXT_SEGMENT_CHARS, 'a\nb\nc'), 3);
      assert.equal(segmentCut(TEXT_SEGMENT_CHARS + 5, 'no line end'), -1);
    });

    it('the rendered view renders at most every MARKDOWN_EVERY_MS unless forced', () => {
      assert.equal(markdownDue(false, false, 1000, 0), 'no');
      assert.equal(markdownDue(true, false, 1000, 0), 'now');
      assert.equal(markdownDue(true, false, 1000 + MARKDOWN_EVERY_MS - 1, 1000), 'later');
      assert.equal(markdownDue(true, false, 1000 + MARKDOWN_EVERY_MS, 1000), 'now');
      assert.equal(markdownDue(false, true, 1001, 1000), 'now');
    });

    it('the state label: streaming, finishing once the run is over, ended', () => {
      assert.equal(streamStateText(false, false), 'streaming');
      assert.equal(streamStateText(false, true), 'finishing');
      assert.equal(streamStateText(true, true), 'ended');
      assert.equal(streamStateText(true, false), 'ended');
    });

    it('tabs: the first stream is shown rather than Logs, unless the reader chose a tab', () => {
      // First render: Logs, then the streams in order.
      assert.equal(showsAddedTab(undefined, false, '$logs'), true);
      assert.equal(showsAddedTab('$logs', false, 'answer'), true);
      assert.equal(showsAddedTab('answer', false, 'second'), false);
      // The reader chose Logs: it stays.
      assert.equal(showsAddedTab('$logs', true, 'answer'), false);
      // The reader chose a stream (before a reload): Logs is not shown, the stream is when it appears.
      assert.equal(showsAddedTab('answer', true, '$logs'), false);
      assert.equal(showsAddedTab('answer', true, 'answer'), true);
    });

    it('log lines: local time, level, message', () => {
      assert.deepEqual(logLine({ level: 'warn', message: 'careful', time: '' }), { time: '', level: 'warn', message: 'careful' });
      assert.notEqual(logLine({ level: 'info', message: 'm', time: new Date(T0).toISOString() }).time, '');
    });
  });

  it('child runs: one row per child with its status look; the heading counts them all', () => {
    const createdAt = new Date(T0).toISOString();
    const { rows, heading } = childRows({
      runs: [
        { id: 'run_a', taskIdentifier: 'critic', status: 'EXECUTING', createdAt },
        { id: 'run_b', taskIdentifier: '<img src=x onerror=alert(1)>', status: 'FAILED', createdAt },
      ],
      total: 3,
    });
    assert.equal(heading, 'Child runs (3) — the first 2 listed');
    assert.deepEqual(rows[0], {
      id: 'run_a',
      task: 'critic',
      status: 'EXECUTING',
      iconClass: 'codicon codicon-loading codicon-modifier-spin',
      iconColor: 'var(--vscode-testing-runAction)',
      statusLabel: 'Executing',
    });
    assert.equal(rows[1]!.task, '<img src=x onerror=alert(1)>', 'kept as text: the view sets it with textContent');
    assert.equal(childRows({ runs: [], total: 0 }).heading, 'Child runs (0)');
  });
});
