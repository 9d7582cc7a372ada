import { llmText } from '../shared/llm-text';

/**
 * A run stream's chunks as the text a model wants to read. Pure.
 *
 * Text mode: a string chunk is text as it is; an LLM streaming event (OpenAI chat-completion chunks, OpenAI
 * Responses deltas, AI SDK `text-delta` parts, Anthropic `content_block_delta`) gives the text it carries and
 * its lifecycle events give nothing; any other chunk is one JSON line of its own. Raw mode: every chunk as one
 * JSON line. Binary chunks are `[binary N bytes]`.
 */
export class StreamText {
  private out = '';
  /** Chunks added. */
  chunks = 0;
  /** Chunks that were LLM events (whether or not they carried text). */
  llmChunks = 0;

  constructor(private readonly raw = false) {}

  get text(): string {
    return this.out;
  }

  add(value: unknown): void {
    this.chunks++;
    if (value instanceof Uint8Array) return this.line(`[binary ${value.byteLength} byte${value.byteLength === 1 ? '' : 's'}]`);
    if (this.raw) return this.line(JSON.stringify(value) ?? 'null');
    if (typeof value === 'string') {
      this.out += value;
      return;
    }
    const carried = llmText(value);
    if (carried === undefined) return this.line(JSON.stringify(value) ?? 'null');
    this.llmChunks++;
    this.out += carried;
  }

  private line(s: string): void {
    this.out += `${this.out === '' || this.out.endsWith('\n') ? '' : '\n'}${s}\n`;
  }
}

/** The text of `values` (see StreamText). */
export function streamText(values: Iterable<unknown>, options: { raw?: boolean } = {}): { text: string; chunks: number; llmChunks: number } {
  const b = new StreamText(options.raw);
  for (const v of values) b.add(v);
  return { text: b.text, chunks: b.chunks, llmChunks: b.llmChunks };
}
