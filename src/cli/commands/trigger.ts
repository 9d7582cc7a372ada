import type { Command } from '../args';
import { connect } from '../connect';
import type { CliContext } from '../context';
import { watchRun } from '../follow';

export async function triggerCommand(cmd: Extract<Command, { kind: 'trigger' }>, ctx: CliContext): Promise<number> {
  const client = await connect(cmd.dir, ctx.env);
  const { id } = await client.trigger(cmd.task, cmd.payload, cmd.tags.length > 0 ? { tags: cmd.tags } : undefined);
  if (!cmd.watch) {
    ctx.out(`${id}\n`);
    return 0;
  }
  return watchRun(client, id, ctx);
}
