import type { Command } from '../args';
import { connect } from '../connect';
import type { CliContext } from '../context';
import { watchRun } from '../follow';

export async function watchCommand(cmd: Extract<Command, { kind: 'watch' }>, ctx: CliContext): Promise<number> {
  const client = await connect(cmd.dir, ctx.env);
  return watchRun(client, cmd.runId, ctx);
}
