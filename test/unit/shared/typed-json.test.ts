import assert from 'node:assert/strict';
import superjson from 'superjson';
import { metaProblem, shortText, showValue, SHOWN_LIMITS, type ShownValue } from '../../../src/shared/typed-json';
import type { Json } from '../../../src/shared/json';
import { toTyped } from '../../../src/protocol/values';

/** The lines the run panel shows for a value (as src/webview/dom.ts renders the tree: `key: value`, Map entries `key => value`). */
function lines(v: ShownValue, indent = '', label = ''): string[] {
  if (v.kind === 'leaf') return [`${indent}${label}${v.type ? `${v.type} ${v.text}` : v.text}`];
  if (v.entries.length === 0) return [`${indent}${label}${v.empty}`];
  return [
    `${indent}${label}${v.summary}`,
    ...v.entries.flatMap((e) => lines(e.value, `${indent}  `, `${e.key}${e.arrow ? ' => ' : ': '}`)),
    ...(v.more > 0 ? [`${indent}  … ${v.more} more`] : []),
  ];
}

const shown = (value: unknown) => {
  const typed = toTyped(value, 'value')!;
  return lines(showValue(typed.json, typed.meta));
};

describe('typed JSON view (what the run panel shows for a payload or output with superjson types)', () => {
  it('shows each type at its place: Date, Map, Set, BigInt, URL, RegExp, undefined, NaN, Error, typed arrays', () => {
    assert.deepEqual(
      shown({
        at: new Date('2026-01-02T03:04:05.000Z'),
        byName: new Map<unknown, unknown>([
          ['x', 1],
          [new Date(0), { when: new Date(1) }],
        ]),
        ids: new Set([1, 2]),
        big: 12n,
        url: new URL('https://example.test/a'),
        'a.b': /x\./g,
        gone: undefined,
        odd: [NaN, -0, Infinity],
        err: new Error('boom'),
        bytes: new Uint8Array([7]),
        plain: { s: 'text', n: 1, t: true, z: null, empty: [] },
      }),
      [
        '{11}',
        '  at: Date 2026-01-02T03:04:05.000Z',
        '  byName: Map(2)',
        '    "x" => 1',
        '    Date 1970-01-01T00:00:00.000Z => {1}',
        '      when: Date 1970-01-01T00:00:00.001Z',
        '  ids: Set(2)',
        '    0: 1',
        '    1: 2',
        '  big: BigInt 12n',
        '  url: URL https://example.test/a',
        '  a.b: RegExp /x\\./g',
        '  gone: undefined',
        '  odd: [3]',
        '    0: NaN',
        '    1: -0',
        '    2: Infinity',
        '  err: Error {2}',
        '    name: "Error"',
        '    message: "boom"',
        '  bytes: Uint8Array(1)',
        '    0: 7',
        '  plain: {5}',
        '    s: "text"',
        '    n: 1',
        '    t: true',
        '    z: null',
        '    empty: []',
      ],
    );
  });

  it('types a value at the top, and a Buffer as Trigger.dev`s SDK sends it', () => {
    assert.deepEqual(shown(new Date(0)), ['Date 1970-01-01T00:00:00.000Z']);
    assert.deepEqual(shown(5n), ['BigInt 5n']);
    assert.deepEqual(shown(new Map()), ['Map(0)']);
    assert.deepEqual(lines(showValue([1, 2], { values: [['custom', 'buffer']] })), ['Buffer(2)', '  0: 1', '  1: 2']);
  });

  it('reads superjson`s first path format (no `v`, as Trigger.dev`s SDK writes it) and escaped dots', () => {
    assert.deepEqual(lines(showValue({ 'a.b': 'x', c: '1' }, { values: { 'a\\.b': ['Date'], c: ['bigint'] } })), ['{2}', '  a.b: Date x', '  c: BigInt 1n']);
  });

  it('shows plain JSON without meta as it is, and a value whose meta does not fit as its JSON', () => {
    assert.deepEqual(lines(showValue({ a: [1, 'x'] })), ['{1}', '  a: [2]', '    0: 1', '    1: "x"']);
    assert.deepEqual(lines(showValue({ a: 1 }, { values: { a: ['map'], nope: ['Date'] } })), ['{1}', '  a: 1']);
    assert.deepEqual(lines(showValue('<b>hi</b>', { values: ['Date'] })), ['Date <b>hi</b>'], 'text stays text (the DOM gets it as a text node)');
  });

  it('bounds what it builds: entries past 500, strings past 10 000 characters, depth past 24', () => {
    const many = showValue(Array.from({ length: 600 }, (_, i) => i));
    assert.equal(many.kind === 'tree' && many.entries.length, SHOWN_LIMITS.entries);
    assert.equal(many.kind === 'tree' && many.more, 100);
    const long = showValue('x'.repeat(20_000));
    assert.match(long.kind === 'leaf' ? long.text : '', /… \(20000 chars\)"$/);
    let deep: Json = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    assert.ok(lines(showValue(deep)).includes(`${'  '.repeat(24)}0: …`));
  });

  it('a short text of a Map key: leaves as shown, containers by their summary', () => {
    assert.equal(shortText(showValue({ a: 1 })), '{1} {…}');
    assert.equal(shortText(showValue([])), '[]');
    assert.equal(shortText(showValue('2026', { values: ['Date'] })), 'Date 2026');
  });

  describe('metaProblem (the engine refuses such input)', () => {
    it('finds nothing wrong with what superjson writes', () => {
      const s = superjson.serialize({ m: new Map([[new Date(0), new Set([1n])]]), 'k.e\\y': undefined, list: [new Date(1), { u: new URL('http://x/') }] });
      assert.equal(metaProblem(s.json as Json, s.meta!), undefined);
    });

    it('names a place the JSON does not have, a path not of superjson`s form, a node without a type', () => {
      assert.equal(metaProblem({ a: 1 }, { values: { b: ['Date'] }, v: 1 }), 'meta.values names "b", a place its JSON does not have');
      assert.equal(metaProblem({ a: [1] }, { values: { 'a.1': ['Date'] }, v: 1 }), 'meta.values names "a.1", a place its JSON does not have');
      assert.equal(metaProblem('x', { values: { 'a\\b': ['Date'] }, v: 1 }), 'meta.values has a path that is not of superjson\'s form: "a\\\\b"');
      assert.equal(metaProblem({ a: 1 }, { values: { a: [7] }, v: 1 }), 'meta.values has a node without a type at "a"');
      assert.equal(metaProblem({ a: 1 }, { values: { a: 'Date' }, v: 1 }), 'meta.values has "Date" where an annotation belongs');
    });
  });
});
