import assert from 'node:assert/strict';
import { appendFor, extractText, llmText, rawLine, streamText } from '../../../src/webview/chunks';
import type { StreamItem } from '../../../src/protocol/webview';

const json = (value: StreamItem extends infer T ? (T extends { kind: 'json'; value: infer V } ? V : never) : never): StreamItem => ({ kind: 'json', value });
const text = (t: string): StreamItem => ({ kind: 'text', text: t });

describe('chunk → text extraction', () => {
  it('OpenAI chat completion chunks → choices[0].delta.content', () => {
    const chunk = {
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt',
      choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }],
    };
    assert.equal(llmText(chunk), 'Hel');
    assert.equal(llmText({ ...chunk, choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] }), '');
    assert.equal(llmText({ ...chunk, choices: [] }), '');
    assert.equal(llmText({ choices: [{ delta: { content: 'x' } }] }), 'x', 'without `object`');
  });

  it('Vercel AI SDK text deltas (v4 textDelta, v5 text, UI stream delta)', () => {
    assert.equal(llmText({ type: 'text-delta', textDelta: 'a' }), 'a');
    assert.equal(llmText({ type: 'text-delta', id: '0', text: 'b' }), 'b');
    assert.equal(llmText({ type: 'text-delta', id: '0', delta: 'c' }), 'c');
    assert.equal(llmText({ type: 'finish', finishReason: 'stop' }), '');
  });

  it('Anthropic content_block_delta → text; other events carry none', () => {
    assert.equal(llmText({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }), 'Hi');
    assert.equal(llmText({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a"' } }), '');
    assert.equal(llmText({ type: 'message_start', message: {} }), '');
    assert.equal(llmText({ type: 'ping' }), '');
  });

  it('OpenAI Responses API text deltas', () => {
    assert.equal(llmText({ type: 'response.output_text.delta', delta: 'r' }), 'r');
  });

  it('leaves other JSON alone', () => {
    assert.equal(llmText({ type: 'custom', value: 1 }), undefined);
    assert.equal(llmText([1, 2]), undefined);
    assert.equal(llmText('str'), undefined);
    assert.deepEqual(extractText(json({ step: 1 })), { kind: 'line', text: '{"step":1}' });
  });

  it('shows binary chunks as size + hex', () => {
    assert.deepEqual(extractText({ kind: 'binary', size: 3, hex: '00 ff 10' }), { kind: 'line', text: '[binary 3 bytes] 00 ff 10' });
    assert.equal(extractText({ kind: 'binary', size: 100, hex: '00 01' }).text, '[binary 100 bytes] 00 01 …');
  });
});

describe('text view assembly', () => {
  it('appends tokens as they are and puts JSON chunks on lines of their own', () => {
    const items: StreamItem[] = [text('Hello'), json({ type: 'text-delta', textDelta: ', world' }), json({ progress: 1 }), text('after'), json({ n: 2 })];
    assert.equal(streamText(items), 'Hello, world\n{"progress":1}\nafter\n{"n":2}\n');
    assert.equal(appendFor('', json({ a: 1 })), '{"a":1}\n');
    assert.equal(appendFor('\n', json({ a: 1 })), '{"a":1}\n');
  });

  it('never turns model text into markup (it is data for text nodes)', () => {
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    assert.equal(streamText([text(evil)]), evil);
  });

  it('raw view: one JSON line per chunk', () => {
    assert.equal(rawLine(text('a"b')), '"a\\"b"');
    assert.equal(rawLine(json({ choices: [] })), '{"choices":[]}');
    assert.match(rawLine({ kind: 'binary', size: 1, hex: '00' }), /^\[binary 1 byte\]/);
  });
});
