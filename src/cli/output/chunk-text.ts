/**
 * The text carried by a stream chunk, when it is text: a string, or the text delta of a common LLM
 * streaming chunk (OpenAI chat completions `choices[0].delta.content`, OpenAI Responses
 * `response.output_text.delta`, Anthropic `content_block_delta`, AI SDK `text-delta`).
 * Undefined for anything else (printed as JSON instead).
 */
export function chunkText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return undefined;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.choices)) {
    const first = v.choices[0] as { delta?: { content?: unknown } } | undefined;
    if (v.object === 'chat.completion.chunk' || first?.delta !== undefined) {
      const content = first?.delta?.content;
      return typeof content === 'string' ? content : '';
    }
  }
  if (v.type === 'response.output_text.delta' && typeof v.delta === 'string') return v.delta;
  if (v.type === 'content_block_delta') {
    const d = v.delta as { type?: unknown; text?: unknown } | undefined;
    if (d?.type === 'text_delta' && typeof d.text === 'string') return d.text;
  }
  if (v.type === 'text-delta') {
    for (const k of ['delta', 'textDelta', 'text']) if (typeof v[k] === 'string') return v[k] as string;
  }
  return undefined;
}

/**
 * True when a string chunk is one whole JSON object or array (`streams.append('progress',
 * JSON.stringify(step))`): such chunks are records, each printed on its own line, not text to join.
 */
export function isJsonRecordText(text: string): boolean {
  const t = text.trim();
  const open = t[0];
  if ((open !== '{' || !t.endsWith('}')) && (open !== '[' || !t.endsWith(']'))) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}
