import assert from 'node:assert/strict';
import superjson from 'superjson';
import { checkTyped, fromTyped, parseSuperJson, toPlainJson, toSuperJson, toTyped } from '../../../src/protocol/values';

/** How payloads and outputs that are not plain JSON are encoded (superjson, as Trigger.dev's SDK sends them). */
describe('protocol: typed values (superjson)', () => {
  it('keeps plain JSON as it is, without meta (shared references too)', () => {
    const shared = { x: 1 };
    assert.deepEqual(toTyped({ a: 1, b: [1, 'x', null, true], c: Object.create(null) as object, d: shared, e: shared }, 'v'), {
      json: { a: 1, b: [1, 'x', null, true], c: {}, d: { x: 1 }, e: { x: 1 } },
    });
    assert.deepEqual(toTyped('text', 'v'), { json: 'text' });
    assert.equal(toTyped(undefined, 'v'), undefined);
    assert.equal(
      toTyped(() => 1, 'v'),
      undefined,
      'no JSON form: nothing, as JSON',
    );
    assert.deepEqual(toTyped({ f: () => 1, s: Symbol('s') }, 'v'), { json: {} }, 'functions and symbols are left out, as JSON and superjson do');
  });

  it('gives superjson`s JSON part and meta for what plain JSON would lose, and rebuilds it', () => {
    const value = {
      at: new Date(0),
      big: 1n,
      gone: undefined,
      nan: NaN,
      neg: -0,
      re: /a/g,
      ids: new Set([1]),
      m: new Map([[1, 'a']]),
      u: new URL('http://x/'),
    };
    const typed = toTyped(value, 'v')!;
    assert.deepEqual(typed, superjson.serialize(value));
    assert.deepEqual(fromTyped(typed.json, typed.meta, 'v'), value);
    assert.deepEqual(toTyped({ at: new Date(0) }, 'v')?.meta, { values: { at: ['Date'] }, v: 1 });
  });

  it('sends a class instance as JSON does (a Date inside it as text), and a cycle as superjson does', () => {
    class Box {
      a = 1;
      at = new Date(0);
    }
    assert.deepEqual(toTyped({ box: new Box() }, 'v'), { json: { box: { a: 1, at: '1970-01-01T00:00:00.000Z' } } });
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const typed = toTyped(cyclic, 'v')!;
    const back = fromTyped(typed.json, typed.meta, 'v') as Record<string, unknown>;
    assert.equal(back.self, back);
  });

  it('names the value when it cannot be encoded', () => {
    class Big {
      n = 1n;
    }
    assert.throws(() => toTyped({ b: new Big() }, "the task's return value"), /^TypeError: the task's return value cannot be serialised: .*BigInt/);
  });

  it('parses Trigger.dev`s superjson text, refusing what is not one or does not fit, naming the field', () => {
    assert.deepEqual(parseSuperJson(superjson.stringify({ a: 1 }), 'payload'), { json: { a: 1 } });
    assert.deepEqual(parseSuperJson('{"json":{"at":"1970-01-01T00:00:00.000Z"},"meta":{"values":{"at":["Date"]}}}', 'payload'), {
      json: { at: '1970-01-01T00:00:00.000Z' },
      meta: { values: { at: ['Date'] } },
    });
    assert.throws(() => parseSuperJson('nope', 'items.2.payload'), /^TypeError: items\.2\.payload: not valid application\/super\+json/);
    assert.throws(() => parseSuperJson('[1]', 'payload'), /payload: not a superjson document/);
    assert.throws(() => parseSuperJson('{"json":1,"meta":{"values":"x"}}', 'payload'), /payload: its superjson meta is malformed \(meta\.values: /);
    assert.throws(() => parseSuperJson('{"json":{"a":1},"meta":{"values":{"b":["Date"]}}}', 'payload'), /"b", a place its JSON does not have/);
    assert.throws(() => checkTyped({ a: 'x' }, { values: { a: ['bigint'] } }, 'body.payloadMeta'), /^TypeError: body\.payloadMeta: .*BigInt/);
    assert.deepEqual(checkTyped({ a: 1 }, { v: 1 }, 'x'), { json: { a: 1 } }, 'an empty meta is dropped');
  });

  it('writes the superjson document their client parses', () => {
    assert.equal(toSuperJson({ a: 1 }, undefined), '{"json":{"a":1}}');
    const typed = toTyped({ at: new Date(0), n: 2n }, 'v')!;
    assert.deepEqual(superjson.parse(toSuperJson(typed.json, typed.meta)), { at: new Date(0), n: 2n });
  });

  it('the JSON Trigger.dev`s server answers runs.retrieve with (its dashboard`s rules where JSON would lose or refuse)', () => {
    const typed = toTyped(
      {
        at: new Date(0),
        big: 12n,
        re: /a/g,
        ids: new Set([1, 2]),
        m: new Map<unknown, unknown>([
          ['k', 1],
          [new Date(0), 2],
        ]),
        u: new URL('http://x/'),
        gone: undefined,
        err: new Error('e'),
      },
      'v',
    )!;
    assert.deepEqual(toPlainJson(typed.json, typed.meta), {
      at: '1970-01-01T00:00:00.000Z',
      big: '12',
      re: '/a/g',
      ids: [1, 2],
      m: { k: 1, '1970-01-01T00:00:00.000Z': 2 },
      u: 'http://x/',
      err: { name: 'Error', message: 'e' },
    });
    assert.deepEqual(toPlainJson({ a: 1 }, undefined), { a: 1 });
  });
});
