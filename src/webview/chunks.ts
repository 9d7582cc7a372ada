import type { StreamItem } from '../protocol/webview';
import { llmText } from '../shared/llm-text';

export { llmText };

/**
 * Stream chunks → the text a person wants to read. LLM SDKs stream event objects, not text; the text
 * they carry is pulled out of the shapes below, everything else is shown as one JSON line. Pure.
 *
 *  - OpenAI chat completions: `{ object: 'chat.completion.chunk', choices: [{ delta: { content } }] }`
 *  - OpenAI Responses API: `{ type: 'response.output_text.delta', delta }`
 *  - Vercel AI SDK text parts: `{ type: 'text-delta', textDelta }` (v4), `{ type: 'text-delta', text }`
 *    (v5 fullStream), `{ type: 'text-delta', delta }` (v5 UI message stream)
 *  - Anthropic Messages events: `{ type: 'content_block_delta', delta: { type: 'text_delta', text } }`
 */

export type Extracted =
  /** Text to append as is (possibly empty: an event with nothing to show, e.g. a role-only delta). */
  | { kind: 'text'; text: string }
  /** A chunk shown on a line of its own. */
  | { kind: 'line'; text: string };

export function extractText(item: StreamItem): Extracted {
  switch (item.kind) {
    case 'text':
      return { kind: 'text', text: item.text };
    case 'binary':
      return { kind: 'line', text: binaryLine(item.size, item.hex) };
    case 'json': {
      const text = llmText(item.value);
      if (text !== undefined) return { kind: 'text', text };
      return { kind: 'line', text: JSON.stringify(item.value) };
    }
  }
}

export function binaryLine(size: number, hex: string): string {
  const shown = hex ? hex.split(' ').length : 0;
  return `[binary ${size} byte${size === 1 ? '' : 's'}]${hex ? ` ${hex}${size > shown ? ' …' : ''}` : ''}`;
}

/** The raw view: every chunk as the JSON it was. */
export function rawLine(item: StreamItem): string {
  switch (item.kind) {
    case 'text':
      return JSON.stringify(item.text);
    case 'json':
      return JSON.stringify(item.value);
    case 'binary':
      return binaryLine(item.size, item.hex);
  }
}

/**
 * What to append to a text view whose current last character is `tail` ('' when empty): text chunks
 * as they are, line chunks on a line of their own.
 */
export function appendFor(tail: string, item: StreamItem): string {
  const e = extractText(item);
  if (e.kind === 'text') return e.text;
  return `${tail === '' || tail === '\n' ? '' : '\n'}${e.text}\n`;
}

/**
 * What `items[from..]` add to a text view whose last character is `tail`, and its last character after them.
 * Built as one string, so a frame appends to the DOM once whatever the number of chunks.
 */
export function appendItems(items: readonly StreamItem[], from: number, tail: string): { add: string; tail: string } {
  let add = '';
  for (let i = from; i < items.length; i++) {
    const piece = appendFor(tail, items[i]!);
    add += piece;
    if (piece) tail = piece.slice(-1);
  }
  return { add, tail };
}

/** The raw view's lines for `items[from..]`, each ended by a newline. */
export function rawLines(items: readonly StreamItem[], from: number): string {
  let out = '';
  for (let i = from; i < items.length; i++) out += `${rawLine(items[i]!)}\n`;
  return out;
}

/** The whole text of a stream, as the text view shows it. */
export function streamText(items: readonly StreamItem[]): string {
  let out = '';
  for (const item of items) out += appendFor(out.slice(-1), item);
  return out;
}
