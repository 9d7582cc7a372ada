import assert from 'node:assert/strict';
import { debugRequestOf, parseDebugTaskArgs } from '../../../src/extension/debug/debugArgs';

describe('runlight.debugTask: its direct arguments', () => {
  it('takes { taskId, payload?, tags?, options? } and makes the engine request from them', () => {
    const r = parseDebugTaskArgs({ taskId: 'chat', payload: { prompt: 'hi' }, tags: ['a'], options: { maxAttempts: 2, tags: ['b'] } });
    assert.ok(r.ok);
    assert.deepEqual(debugRequestOf(r.args), { payload: { prompt: 'hi' }, options: { maxAttempts: 2, tags: ['a'] } });
    const bare = parseDebugTaskArgs({ taskId: 'chat' });
    assert.ok(bare.ok);
    assert.deepEqual(debugRequestOf(bare.args), {});
    const optionTags = parseDebugTaskArgs({ taskId: 'chat', options: { tags: ['b'] } });
    assert.ok(optionTags.ok);
    assert.deepEqual(debugRequestOf(optionTags.args), { options: { tags: ['b'] } });
  });

  it('names the field of bad arguments', () => {
    const empty = parseDebugTaskArgs({ taskId: '' });
    assert.ok(!empty.ok && empty.message.startsWith('taskId: '));
    const tags = parseDebugTaskArgs({ taskId: 'chat', tags: 'x' });
    assert.ok(!tags.ok && tags.message.startsWith('tags: '));
    const opt = parseDebugTaskArgs({ taskId: 'chat', options: { maxAttempts: 0 } });
    assert.ok(!opt.ok && opt.message.startsWith('options.maxAttempts: '), opt.ok ? '' : opt.message);
  });
});
