import { LIMITS } from '../../protocol/api';
import { innermostIssue } from '../../protocol/parse';
import { Json } from '../../protocol/run';
import { describeError } from '../../shared/errors';

/** Parsing of what the user types into input boxes. Pure (no vscode). */

/**
 * Parses Complete Wait Token…'s box: the JSON the waiting run gets as its `output` (empty: none). The error names
 * the problem: where the JSON breaks, which key is refused, or the size over the limit.
 */
export function parseTokenDataInput(text: string): { ok: true; value: Json | undefined } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: undefined };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `Not valid JSON: ${describeError(err)}` };
  }
  const parsed = Json.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const issue = first ? innermostIssue(first) : { path: [], message: 'not JSON data' };
    const at = issue.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
    return { ok: false, message: `Not accepted${at}: ${issue.message}` };
  }
  const bytes = new TextEncoder().encode(text).byteLength;
  if (bytes > LIMITS.payloadBytes) return { ok: false, message: `The data is ${bytes} bytes; a wait token takes at most ${LIMITS.payloadBytes}.` };
  return { ok: true, value: parsed.data };
}
