import assert from 'node:assert/strict';
import { runPartText } from '../../../src/extension/panel/runParts';
import { WebviewToHost } from '../../../src/protocol/webview';
import { makeRun } from './fixtures';

describe('run panel: Copy and Open in Editor for a part of the run', () => {
  it('gives the payload, output and metadata as JSON, and the error with its stack', () => {
    const run = makeRun({
      status: 'FAILED',
      payload: { prompt: 'hi' },
      metadata: { step: 2 },
      error: { name: 'TypeError', message: 'boom', stackTrace: 'TypeError: boom\n    at run (/ws/trigger/a.ts:3:9)' },
    });
    assert.deepEqual(runPartText(run, 'payload'), { text: '{\n  "prompt": "hi"\n}', language: 'json' });
    assert.deepEqual(runPartText(run, 'metadata'), { text: '{\n  "step": 2\n}', language: 'json' });
    assert.equal(runPartText(run, 'output'), undefined);
    assert.deepEqual(runPartText(run, 'error'), { text: 'TypeError: boom\n    at run (/ws/trigger/a.ts:3:9)', language: 'plaintext' });
    assert.equal(runPartText(makeRun({ error: { message: 'x', stackTrace: '    at y (/a.ts:1:1)' } }), 'error')?.text, 'x\n    at y (/a.ts:1:1)');
  });

  it('takes only the known parts and actions from the webview', () => {
    assert.ok(WebviewToHost.safeParse({ type: 'valueAction', action: 'open', part: 'output' }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'valueAction', action: 'delete', part: 'output' }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'valueAction', action: 'copy', part: 'secretKey' }).success);
  });
});
