/**
 * The text an LLM streaming event carries. LLM SDKs stream event objects, not text; the text they carry is pulled
 * out of the shapes below. Pure; used by the run panel, the CLI and the assistant tools.
 *
 *  - OpenAI chat completions: `{ object: 'chat.completion.chunk', choices: [{ delta: { content } }] }`
 *  - OpenAI Responses API: `{ type: 'response.output_text.delta', delta }`
 *  - Vercel AI SDK text parts: `{ type: 'text-delta', textDelta }` (v4), `{ type: 'text-delta', text }`
 *    (v5 fullStream), `{ type: 'text-delta', delta }` (v5 UI message stream)
 *  - Anthropic Messages events: `{ type: 'content_block_delta', delta: { type: 'text_delta', text } }`
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Event types of the SDKs above that carry no text (lifecycle events): shown as nothing in text mode. */
const SILENT_TYPES = new Set([
  'message_start',
  'message_delta',
  'message_stop',
  'content_block_start',
  'content_block_stop',
  'ping',
  'start',
  'finish',
  'start-step',
  'finish-step',
  'step-start',
  'step-finish',
  'text-start',
  'text-end',
  'response.created',
  'response.in_progress',
  'response.completed',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_text.done',
]);

/** The text an SDK event object carries ('' for a lifecycle event carrying none), or undefined when `value` is not one of the known shapes. */
export function llmText(value: unknown): string | undefined {
  if (!isObj(value)) return undefined;
  const type = value.type;
  // OpenAI chat completion chunk (also without `object`, as some proxies send it)
  if (Array.isArray(value.choices) && (value.object === 'chat.completion.chunk' || (isObj(value.choices[0]) && isObj((value.choices[0] as Obj).delta)))) {
    const choice = value.choices[0];
    if (!isObj(choice)) return '';
    const delta = choice.delta;
    if (!isObj(delta)) return '';
    return typeof delta.content === 'string' ? delta.content : '';
  }
  if (typeof type !== 'string') return undefined;
  if (type === 'content_block_delta' && isObj(value.delta)) {
    const d = value.delta;
    if (d.type === 'text_delta' && typeof d.text === 'string') return d.text;
    return ''; // input_json_delta, thinking_delta, signature_delta: not answer text
  }
  if (type === 'text-delta') {
    for (const k of ['textDelta', 'text', 'delta'] as const) if (typeof value[k] === 'string') return value[k] as string;
    return '';
  }
  if (type === 'response.output_text.delta' && typeof value.delta === 'string') return value.delta;
  if (SILENT_TYPES.has(type)) return '';
  return undefined;
}
