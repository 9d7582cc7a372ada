import { Tag } from '../../protocol/api';
import { Json } from '../../protocol/run';
import { describeError } from '../../shared/errors';

/** Parsing of what the user types into Trigger Task…'s input boxes. Pure (no vscode). */

/** Parses the payload box: empty means no payload; anything else must be JSON. */
export function parsePayloadInput(text: string): { ok: true; value: Json | undefined } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    const parsed = Json.safeParse(JSON.parse(text));
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: 'The payload must be JSON.' };
  } catch (err) {
    return { ok: false, message: `Not valid JSON: ${describeError(err)}` };
  }
}

export function parseTagsInput(text: string): { ok: true; tags: string[] } | { ok: false; message: string } {
  const tags = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of tags) {
    const r = Tag.safeParse(t);
    if (!r.success) return { ok: false, message: `"${t}": ${r.error.issues[0]?.message ?? 'invalid tag'}` };
  }
  if (tags.length > 10) return { ok: false, message: 'A run has at most 10 tags.' };
  return { ok: true, tags };
}
