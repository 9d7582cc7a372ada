import assert from 'node:assert/strict';
import { StreamText, streamText } from '../../../src/tools/stream-text';
import { checkJsonSchema } from '../../../src/tools/json-schema-check';
import { clip, clipStart } from '../../../src/tools/text';

describe('tools: the text of a run stream', () => {
  it('OpenAI chat-completion chunks give their delta content (role-only and finish chunks give nothing)', () => {
    const chunk = (delta: object, finish: string | null = null) => ({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const r = streamText([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop')]);
    assert.deepEqual(r, { text: 'Hello', chunks: 4, llmChunks: 4 });
  });

  it('AI SDK text-delta parts (v4 textDelta, v5 text, UI stream delta) give their text; lifecycle parts give nothing', () => {
    const r = streamText([
      { type: 'start' },
      { type: 'text-start', id: '0' },
      { type: 'text-delta', textDelta: 'a' },
      { type: 'text-delta', id: '0', text: 'b' },
      { type: 'text-delta', id: '0', delta: 'c' },
      { type: 'text-end', id: '0' },
      { type: 'finish', finishReason: 'stop' },
    ]);
    assert.equal(r.text, 'abc');
    assert.equal(r.llmChunks, 7);
  });

  it('Anthropic content_block_delta text deltas give their text; tool-input JSON deltas and lifecycle events do not', () => {
    const r = streamText([
      { type: 'message_start', message: { id: 'msg_1' } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi ' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'there' } },
      { type: 'message_stop' },
    ]);
    assert.equal(r.text, 'Hi there');
  });

  it('strings are text as they are; other JSON chunks are lines of their own; binary chunks say their size', () => {
    const r = streamText(['step 1', { progress: 0.5 }, 'step 2', new Uint8Array([1, 2, 3])]);
    assert.equal(r.text, 'step 1\n{"progress":0.5}\nstep 2\n[binary 3 bytes]\n');
    assert.equal(r.llmChunks, 0);
  });

  it('raw: every chunk as one JSON line', () => {
    const b = new StreamText(true);
    b.add({ type: 'text-delta', text: 'x' });
    b.add('plain');
    assert.equal(b.text, '{"type":"text-delta","text":"x"}\n"plain"\n');
  });

  it('clip keeps the start and says how much was cut; clipStart keeps the end', () => {
    assert.equal(clip('abcdef', 10), 'abcdef');
    assert.equal(clip('x'.repeat(2000), 1000, 'raise maxChars'), `${'x'.repeat(1000)}\n… [cut 1,000 of 2,000 characters; raise maxChars]`);
    assert.equal(clipStart('line1\nline2', 5), '[cut the first 6 of 11 characters] …\nline2');
  });
});

describe('tools: checking a payload against its JSON Schema', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      count: { type: 'integer', minimum: 1, maximum: 10 },
      mode: { enum: ['fast', 'slow'] },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
      nested: { $ref: '#/definitions/Nested' },
    },
    required: ['name'],
    additionalProperties: false,
    definitions: { Nested: { type: 'object', properties: { on: { type: 'boolean' } }, required: ['on'] } },
  };

  it('accepts a matching payload', () => {
    assert.deepEqual(checkJsonSchema(schema, { name: 'a', count: 3, mode: 'fast', tags: ['x'], nested: { on: true } }, 'payload'), []);
  });

  it('names the path of every problem', () => {
    assert.deepEqual(checkJsonSchema(schema, { count: 1.5, mode: 'medium', tags: ['x', 2, 'z'], nested: {}, extra: 1 }, 'payload'), [
      'payload.name: required',
      'payload.count: expected integer, got number',
      'payload.mode: must be one of "fast", "slow"',
      'payload.tags: must have at most 2 items',
      'payload.tags[1]: expected string, got integer',
      'payload.nested.on: required',
      'payload.extra: not allowed (the schema lists name, count, mode, tags, nested)',
    ]);
    assert.deepEqual(checkJsonSchema(schema, undefined, 'payload'), ['payload: required, but no value was given']);
    assert.deepEqual(checkJsonSchema(schema, [1], 'payload'), ['payload: expected object, got array']);
  });

  it('anyOf: passes when one option matches, else reports the closest option', () => {
    const s = { anyOf: [{ type: 'string' }, { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }] };
    assert.deepEqual(checkJsonSchema(s, 'x'), []);
    assert.deepEqual(checkJsonSchema(s, { id: 'a' }), []);
    assert.deepEqual(checkJsonSchema(s, { id: 3 }), ['$.id: expected string, got integer']);
  });
});
