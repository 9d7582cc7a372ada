import assert from 'node:assert/strict';
import { chunkText } from '../../../src/cli/output/chunk-text';
import { renderTable } from '../../../src/cli/output/table';
import { WatchPrinter } from '../../../src/cli/output/watch-printer';
import { compactJson } from '../../../src/cli/output/style';
import { formatDuration } from '../../../src/shared/format';
import { runsTable } from '../../../src/cli/commands/runs';
import { reportError } from '../../../src/cli/report';
import { EngineApiError } from '../../../src/client/errors';
import { toRealtimeRun } from '../../../src/sdk/backend/types';
import { makeRun } from '../client/fixtures';

describe('cli/output chunkText', () => {
  it('strings and the text deltas of common LLM chunks are text', () => {
    assert.equal(chunkText('tok'), 'tok');
    assert.equal(chunkText({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Hel' } }] }), 'Hel');
    assert.equal(chunkText({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant' } }] }), '');
    assert.equal(chunkText({ choices: [{ delta: { content: null }, finish_reason: 'stop' }] }), '');
    assert.equal(chunkText({ type: 'response.output_text.delta', delta: 'x' }), 'x');
    assert.equal(chunkText({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'y' } }), 'y');
    assert.equal(chunkText({ type: 'text-delta', textDelta: 'z' }), 'z');
  });

  it('other values are not text', () => {
    assert.equal(chunkText({ done: 1, total: 5 }), undefined);
    assert.equal(chunkText(42), undefined);
    assert.equal(chunkText(null), undefined);
    assert.equal(chunkText([1, 2]), undefined);
    assert.equal(chunkText(new Uint8Array([1])), undefined);
  });
});

describe('cli/output WatchPrinter', () => {
  function printer() {
    let out = '';
    let t = 1000;
    const p = new WatchPrinter(
      (s) => (out += s),
      { color: false },
      () => (t += 100),
    );
    return { p, text: () => out };
  }
  const rt = (over: Parameters<typeof makeRun>[0]) => toRealtimeRun(makeRun(over));

  it('prints the header, status changes, metadata changes, inline text and a summary', () => {
    const { p, text } = printer();
    p.run(rt({ status: 'QUEUED', tags: ['user:1'] }));
    p.run(rt({ status: 'EXECUTING', tags: ['user:1'] }));
    p.chunk('answer', { object: 'chat.completion.chunk', choices: [{ delta: { role: 'assistant' } }] });
    p.chunk('answer', { object: 'chat.completion.chunk', choices: [{ delta: { content: 'Hel' } }] });
    p.chunk('answer', 'lo');
    p.run(rt({ status: 'EXECUTING', tags: ['user:1'], metadata: { progress: 0.5 } }));
    p.chunk('answer', ' world');
    p.chunk('progress', { done: 1, total: 2 });
    p.log({ level: 'warn', message: 'careful', time: '2025-01-01T00:00:00Z' });
    p.run(
      rt({
        status: 'COMPLETED',
        tags: ['user:1'],
        metadata: { progress: 0.5 },
        output: { ok: true },
        startedAt: '2025-01-02T03:04:06.000Z',
        finishedAt: '2025-01-02T03:04:07.500Z',
      }),
    );
    p.chunk('answer', '!');
    const code = p.finish();
    assert.equal(code, 0);
    assert.equal(
      text(),
      [
        'run_1  hello  QUEUED  [user:1]',
        '+100ms EXECUTING',
        '[answer] Hello',
        'metadata {"progress":0.5}',
        '[answer]  world',
        '[progress] {"done":1,"total":2}',
        '[warn] careful',
        '[answer] !',
        '+200ms COMPLETED in 1.5s',
        'output {"ok":true}',
        '',
      ].join('\n'),
    );
  });

  it('a failed run: error line and exit code 1; an unfinished one: a hint to watch again', () => {
    const a = printer();
    a.p.run(rt({ status: 'EXECUTING' }));
    a.p.run(rt({ status: 'FAILED', error: { name: 'Error', message: 'boom' }, finishedAt: '2025-01-02T03:04:07.000Z' }));
    assert.equal(a.p.finish(), 1);
    assert.match(a.text(), /FAILED in .*\nerror Error: boom\n$/);
    const b = printer();
    b.p.run(rt({ status: 'EXECUTING' }));
    assert.equal(b.p.finish(true), 1);
    assert.match(b.text(), /stopped watching; run_1 is EXECUTING \(follow it again with: runlight watch run_1\)/);
  });

  it('text ending with a newline does not get an extra blank line', () => {
    const { p, text } = printer();
    p.run(rt({ status: 'EXECUTING' }));
    p.chunk('log', 'line one\n');
    p.chunk('other', 'x');
    assert.equal(text(), 'run_1  hello  EXECUTING\n[log] line one\n[other] x');
  });

  it('strings that hold one JSON object or array each get their own line; other text still joins', () => {
    const { p, text } = printer();
    p.run(rt({ status: 'EXECUTING' }));
    p.chunk('progress', '{"done":1,"total":2}');
    p.chunk('progress', '{"done":2,"total":2}\n');
    p.chunk('rows', '[1,2]');
    p.chunk('answer', '{not json');
    p.chunk('answer', '}');
    assert.equal(text(), 'run_1  hello  EXECUTING\n[progress] {"done":1,"total":2}\n[progress] {"done":2,"total":2}\n[rows] [1,2]\n[answer] {not json}');
  });
});

describe('cli/output tables and formats', () => {
  it('renderTable pads columns and trims trailing space', () => {
    assert.equal(
      renderTable(
        ['A', 'BB'],
        [
          ['xxx', 'y'],
          ['z', ''],
        ],
      ),
      'A    BB\nxxx  y\nz',
    );
  });

  it('runsTable shows id, task, status, created, duration and tags', () => {
    const now = Date.parse('2025-01-02T03:05:05.000Z');
    const t = runsTable(
      [
        makeRun({ status: 'COMPLETED', tags: ['a', 'b'], startedAt: '2025-01-02T03:04:06.000Z', finishedAt: '2025-01-02T03:04:08.250Z' }),
        makeRun({ id: 'run_2', status: 'QUEUED' }),
      ],
      { color: false },
      now,
    );
    assert.equal(
      t,
      ['ID     TASK   STATUS     CREATED  DURATION  TAGS', 'run_1  hello  COMPLETED  1m ago   2.3s      a, b', 'run_2  hello  QUEUED     1m ago   -'].join(
        '\n',
      ),
    );
  });

  it('formatDuration and compactJson', () => {
    assert.deepEqual([850, 1234, 65_000, 7_380_000].map(formatDuration), ['850ms', '1.2s', '1m 05s', '2h 03m']);
    assert.equal(compactJson({ a: 'x'.repeat(20) }, 10), '{"a":"xxx…');
  });

  it('reportError prints engine errors with code, status and issues', () => {
    let err = '';
    const code = reportError(new EngineApiError(404, 'task_not_found', 'no task "nope"', [{ path: 'taskId', message: 'unknown' }]), (t) => (err += t));
    assert.equal(code, 1);
    assert.equal(err, 'error: no task "nope" (HTTP 404, task_not_found)\n  taskId: unknown\n');
  });
});
