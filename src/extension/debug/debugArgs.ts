/**
 * The direct arguments of `runlight.debugTask` (the trigger form, tests, other extensions call it with them; no vscode
 * here, so the shape is unit-tested): `{ taskId, payload?, tags?, options? }`, `options` being the trigger options.
 */
import * as z from 'zod/mini';
import { Tag, TriggerOptions, type DebugRequest } from '../../protocol/api';
import { Json } from '../../protocol/run';

export const DebugTaskArgs = z.object({
  taskId: z.string().check(z.minLength(1)),
  payload: z.optional(Json),
  tags: z.optional(z.array(Tag)),
  options: z.optional(TriggerOptions),
});
export type DebugTaskArgs = z.infer<typeof DebugTaskArgs>;

/** The arguments checked, or the first problem naming its field (`tags.0: …`). */
export function parseDebugTaskArgs(arg: unknown): { ok: true; args: DebugTaskArgs } | { ok: false; message: string } {
  const r = DebugTaskArgs.safeParse(arg);
  if (r.success) return { ok: true, args: r.data };
  const issue = r.error.issues[0];
  return { ok: false, message: issue ? `${issue.path.length ? issue.path.join('.') : 'arguments'}: ${issue.message}` : 'invalid arguments' };
}

/** The engine's debug request for checked arguments: `tags` joins the trigger options (it wins over `options.tags`). */
export function debugRequestOf(args: DebugTaskArgs): z.input<typeof DebugRequest> {
  const tags = args.tags ?? args.options?.tags;
  const options = { ...args.options, ...(tags ? { tags } : {}) };
  return { ...(args.payload !== undefined ? { payload: args.payload } : {}), ...(Object.keys(options).length ? { options } : {}) };
}
