import assert from 'node:assert/strict';
import {
  exampleOf,
  FormOptions,
  formSchema,
  formText,
  OPTIONS_JSON_SCHEMA,
  optionsToSend,
  parseForm,
  replayForm,
  schemaUriOf,
  startPayload,
  taskIdOfPath,
} from '../../../src/extension/form/formModel';
import { jsonSyntaxError, lineColumnAt } from '../../../src/extension/form/jsonSyntax';
import { HISTORY_SIZE, payloadLabel, readHistory, remember } from '../../../src/extension/form/payloadHistory';
import { checkJsonSchema } from '../../../src/tools/json-schema-check';
import type { JsonObject } from '../../../src/shared/json';

/** What zod 4 emits for z.object({ prompt: z.string().min(1), model: z.enum(['small','large']).default('small'), n: z.number().int().optional() }). */
const chatSchema: JsonObject = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    prompt: { type: 'string', minLength: 1 },
    model: { type: 'string', enum: ['small', 'large'], default: 'small' },
    n: { type: 'integer' },
    user: { $ref: '#/definitions/User' },
  },
  required: ['prompt', 'model', 'user'],
  additionalProperties: false,
  definitions: { User: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } },
};

describe('trigger form: the document', () => {
  it('starts with the last payload, else an example of the schema (defaults, required properties), else {}', () => {
    assert.deepEqual(startPayload({ prompt: 'again' }, chatSchema), { prompt: 'again' });
    assert.deepEqual(startPayload(undefined, chatSchema), { prompt: '', model: 'small', user: { id: 1 } });
    assert.deepEqual(startPayload(undefined, undefined), {});
  });

  it('builds examples from enum, const, anyOf (not null), arrays with minItems and allOf', () => {
    assert.equal(exampleOf({ enum: ['a', 'b'] }), 'a');
    assert.equal(exampleOf({ const: 3 }), 3);
    assert.equal(exampleOf({ anyOf: [{ type: 'null' }, { type: 'boolean' }] }), false);
    assert.deepEqual(exampleOf({ type: 'array', minItems: 1, items: { type: 'number', minimum: 2 } }), [2]);
    assert.deepEqual(exampleOf({ type: 'array', items: { type: 'string' } }), []);
    assert.deepEqual(
      exampleOf({
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { type: 'object', required: ['b'] },
        ],
      }),
      { a: '', b: null },
    );
    assert.equal(exampleOf({ description: 'anything' }), undefined);
  });

  it('writes { $schema, payload, options } as 2-space JSON whose $schema names the task’s schema document', () => {
    const text = formText('chat', { prompt: 'hi' });
    assert.equal(text, '{\n  "$schema": "runlight-schema:/chat.json",\n  "payload": {\n    "prompt": "hi"\n  },\n  "options": {\n    "tags": []\n  }\n}\n');
    assert.equal(schemaUriOf('team/daily report'), 'runlight-schema:/team/daily%20report.json');
    assert.equal(taskIdOfPath('/team/daily report.json'), 'team/daily report');
    assert.equal(taskIdOfPath('/chat.txt'), undefined);
  });

  it('serves a schema whose payload is the task’s (definitions lifted to the root) and whose options are the trigger options', () => {
    const schema = formSchema({ id: 'chat', payloadSchema: chatSchema });
    assert.deepEqual(schema.required, ['payload']);
    assert.ok(schema.definitions, 'definitions at the root');
    assert.equal((schema.properties as JsonObject).options, OPTIONS_JSON_SCHEMA);
    // the form's own schema, checked with the same checker, refuses what the task's refuses, at the same path
    const doc = { $schema: 'x', payload: { prompt: 'p', model: 'huge', user: { id: 0 } }, options: { maxAttempts: 0 } };
    assert.deepEqual(checkJsonSchema(schema, doc, 'form'), [
      'form.payload.model: must be one of "small", "large"',
      'form.payload.user.id: must be at least 1',
      'form.options.maxAttempts: must be at least 1',
    ]);
    const none = formSchema({ id: 'free' });
    assert.equal(none.required, undefined);
    assert.deepEqual(checkJsonSchema(none, { payload: [1, 'x'], options: {} }), []);
  });

  it('describes every option the form takes, and no other', () => {
    assert.deepEqual(Object.keys(OPTIONS_JSON_SCHEMA.properties as JsonObject).sort(), Object.keys(FormOptions.shape).sort());
  });
});

describe('trigger form: reading it back', () => {
  it('names the line and column of a JSON syntax error', () => {
    const text = '{\n  "payload": {\n    "prompt": "hi",\n  },\n  "options": {}\n}\n';
    const r = parseForm(text);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.line, 4);
    assert.match(r.message, /^The form is not valid JSON: line 4, column 3: a comma before "}" \(trailing commas are not JSON\)$/);
    const quote = parseForm("{ 'payload': 1 }");
    assert.ok(!quote.ok);
    assert.match(quote.message, /line 1, column 3: expected a property name in double quotes/);
  });

  it('names the option that is refused, or unknown', () => {
    const bad = (options: unknown) => {
      const r = parseForm(JSON.stringify({ payload: {}, options }));
      assert.ok(!r.ok);
      return r.message;
    };
    assert.match(bad({ delay: 'soon' }), /^options\.delay: /);
    assert.match(bad({ maxAttempts: 0 }), /^options\.maxAttempts: /);
    assert.match(bad({ tags: ['ok', ''] }), /^options\.tags\[1\]: tag must not be empty$/);
    assert.match(bad({ retries: 3 }), /^options\.retries: not a trigger option \(the form takes tags, idempotencyKey, /);
    assert.match(bad('none'), /^options: /);
  });

  it('checks the payload against the task’s schema, naming the field', () => {
    const r = parseForm(JSON.stringify({ payload: { model: 'small', user: { id: 2 } } }), chatSchema);
    assert.deepEqual(r, { ok: false, message: 'payload.prompt: required' });
    const missing = parseForm(JSON.stringify({ options: {} }), chatSchema);
    assert.ok(!missing.ok);
    assert.equal(missing.message, 'payload: required, but no value was given');
  });

  it('refuses other top-level fields and a form that is not an object', () => {
    assert.deepEqual(parseForm('{"payload":1,"tags":["a"]}'), { ok: false, message: 'tags: not a field of the form (it has "payload" and "options")' });
    assert.ok(!parseForm('[1]').ok);
  });

  it('gives the payload and the parsed options (queue name, duration) of a good form', () => {
    const r = parseForm(
      formText('chat', { prompt: 'hi', model: 'large', user: { id: 7 } }, { tags: ['user:7'], delay: '5m', queue: { name: 'q' }, idempotencyKey: 'k' }),
      chatSchema,
    );
    assert.deepEqual(r, {
      ok: true,
      payload: { prompt: 'hi', model: 'large', user: { id: 7 } },
      options: { tags: ['user:7'], delay: '5m', queue: 'q', idempotencyKey: 'k' },
    });
    assert.deepEqual(parseForm('{}'), { ok: true, payload: undefined, options: {} });
  });

  it('sends no empty tag list and no empty options', () => {
    assert.equal(optionsToSend({ tags: [] }), undefined);
    assert.deepEqual(optionsToSend({ tags: ['a'], ttl: '1h' }), { ttl: '1h', tags: ['a'] });
  });

  it('replays a run with its payload, tags, ttl and a queue that is not the task’s own, never its idempotency key', () => {
    assert.deepEqual(replayForm({ taskIdentifier: 'chat', payload: { prompt: 'x' }, tags: ['t'], ttl: '10m', queue: 'task/chat' }), {
      payload: { prompt: 'x' },
      options: { tags: ['t'], ttl: '10m' },
    });
    assert.deepEqual(replayForm({ taskIdentifier: 'chat', tags: [], queue: 'shared' }).options, { tags: [], queue: 'shared' });
  });
});

describe('trigger form: JSON syntax positions', () => {
  it('finds nothing in valid JSON and the first error in broken JSON', () => {
    for (const ok of ['{}', '[1, -2.5e3, "a\\u00e9", true, null, {"a": []}]', ' "x" ']) assert.equal(jsonSyntaxError(ok), undefined, ok);
    assert.deepEqual(jsonSyntaxError('{"a": 1 "b": 2}'), { offset: 8, message: 'expected "," or "}", unexpected "\\""' });
    assert.deepEqual(jsonSyntaxError('{"a": '), { offset: 6, message: 'expected a value, the text ends too early' });
    assert.deepEqual(jsonSyntaxError('{"a": "x\ny"}'), { offset: 8, message: 'a string may not hold a line break or control character (use \\n)' });
    assert.deepEqual(jsonSyntaxError('[1,]'), { offset: 3, message: 'a comma before "]" (trailing commas are not JSON)' });
    assert.deepEqual(jsonSyntaxError('1 2'), { offset: 2, message: 'unexpected text after the JSON value: "2"' });
    assert.deepEqual(lineColumnAt('ab\ncd', 4), { line: 2, column: 2 });
  });
});

describe('trigger form: payload history', () => {
  it('keeps the newest first, moves a repeated payload up, and keeps at most 10 per task', () => {
    let h = readHistory(undefined);
    for (let i = 0; i < 12; i++) h = remember(h, 'chat', { n: i }, i);
    h = remember(h, 'chat', { n: 5 }, 100);
    h = remember(h, 'other', 'x', 101);
    assert.equal(h.chat!.length, HISTORY_SIZE);
    assert.deepEqual(
      h.chat!.map((e) => (e.payload as { n: number }).n),
      [5, 11, 10, 9, 8, 7, 6, 4, 3, 2],
    );
    assert.deepEqual(h.other, [{ payload: 'x', at: 101 }]);
  });

  it('reads what is stored, dropping what does not parse, and seeds from the last payload of the input box', () => {
    const h = readHistory(
      { chat: [{ payload: { a: 1 }, at: 5 }, { payload: 'no time' }, 7], broken: 'x' },
      { chat: '{"old":true}', legacy: '{"b": 2}', notJson: '{', empty: '' },
    );
    assert.deepEqual(h, { chat: [{ payload: { a: 1 }, at: 5 }], legacy: [{ payload: { b: 2 }, at: 0 }] });
    assert.deepEqual(readHistory('garbage', 3), {});
  });

  it('labels a payload as compact JSON cut to a line', () => {
    assert.equal(payloadLabel({ prompt: 'hi' }), '{"prompt":"hi"}');
    assert.equal(payloadLabel({ prompt: 'x'.repeat(100) }, 20), '{"prompt":"xxxxxxxx…');
  });
});
