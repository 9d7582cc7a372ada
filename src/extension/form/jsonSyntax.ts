/**
 * Where JSON text breaks, for messages that name the line: JSON.parse's own messages differ between Node versions and
 * some give no position. Checks the same grammar (RFC 8259) and returns the offset of the first error. Pure.
 */

const MAX_DEPTH = 512;

class SyntaxAt {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

/** The first syntax error of `text` as JSON, or undefined when it is valid JSON. */
export function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  const fail = (message: string): never => {
    throw new SyntaxAt(i, message);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const describe = (): string => (i >= text.length ? 'the text ends too early' : `unexpected ${JSON.stringify(text[i])}`);
  const str = (): void => {
    i++; // the opening quote
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('a \\u escape needs four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('a string has an unknown escape');
      } else if (c < ' ') fail('a string may not hold a line break or control character (use \\n)');
      else i++;
    }
    fail('a string is not closed (missing ")');
  };
  /** The members of an object or the items of an array, from its opening bracket to `close`, each read by `member`. */
  const members = (close: '}' | ']', member: () => void): void => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === close) fail(`a comma before "${close}" (trailing commas are not JSON)`);
      member();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(`expected "," or "${close}", ${describe()}`);
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      return members('}', () => {
        if (text[i] !== '"') fail(`expected a property name in double quotes, ${describe()}`);
        str();
        ws();
        if (text[i] !== ':') fail(`expected ":" after the property name, ${describe()}`);
        i++;
        value(depth + 1);
      });
    }
    if (c === '[') return members(']', () => value(depth + 1));
    if (c === '"') return str();
    const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    num.lastIndex = i;
    if (c !== undefined && /[-\d]/.test(c) && num.test(text)) {
      i = num.lastIndex;
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    fail(c === "'" ? 'strings take double quotes' : `expected a value, ${describe()}`);
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`unexpected text after the JSON value: ${JSON.stringify(text[i])}`);
    return undefined;
  } catch (err) {
    if (err instanceof SyntaxAt) return { offset: err.offset, message: err.message };
    throw err;
  }
}

/** 1-based line and column of an offset of `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}
