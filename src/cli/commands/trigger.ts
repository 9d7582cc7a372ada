import type { EngineClient } from '../../client';
import type { Command } from '../args';
import { connect } from '../connect';
import type { CliContext } from '../context';
import { watchRun } from '../follow';

export async function triggerCommand(cmd: Extract<Command, { kind: 'trigger' }>, ctx: CliContext): Promise<number> {
  const client = await connect(cmd.dir, ctx.env);
  if (cmd.debug) return debugCommand(cmd, client, ctx);
  const { id } = await client.trigger(cmd.task, cmd.payload, cmd.tags.length > 0 ? { tags: cmd.tags } : undefined);
  if (!cmd.watch) {
    ctx.out(`${id}\n`);
    return 0;
  }
  return watchRun(client, id, ctx);
}

/**
 * `trigger --debug`: a debug run (Runlight's own). Prints the run id and where its worker's inspector listens, then
 * follows the run until it ends, as --watch does: the task starts once a debugger attached.
 */
async function debugCommand(cmd: Extract<Command, { kind: 'trigger' }>, client: EngineClient, ctx: CliContext): Promise<number> {
  const { id, inspector } = await client.debugTask(cmd.task, {
    ...(cmd.payload !== undefined ? { payload: cmd.payload } : {}),
    ...(cmd.tags.length > 0 ? { options: { tags: cmd.tags } } : {}),
  });
  ctx.out(`${id}\n`);
  ctx.out(`Debugger: ${inspector.url}\nWaiting ${Math.round(inspector.waitMs / 1000)} s for a debugger to attach to ${inspector.host}:${inspector.port}\n`);
  return watchRun(client, id, ctx);
}
