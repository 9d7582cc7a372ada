import { Tags } from '../../protocol/api';
import { requireRuntime } from './runtime';

/** Trigger.dev's `tags`: add tags to the current run (at most 10 per run, 1–128 characters each). */
export const tags = {
  async add(tagOrTags: string | string[]): Promise<void> {
    const rt = requireRuntime('tags.add()');
    const parsed = Tags.safeParse(tagOrTags);
    if (!parsed.success) throw new TypeError(`invalid tags: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    await rt.transport.sendTags(parsed.data);
    for (const t of parsed.data) if (!rt.ctx.run.tags.includes(t)) rt.ctx.run.tags.push(t);
  },
};
