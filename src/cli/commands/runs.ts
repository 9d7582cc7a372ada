import type { Run } from '../../protocol/run';
import type { Command } from '../args';
import { connect } from '../connect';
import type { CliContext } from '../context';
import { paintStatus, styleFor, type Style } from '../output/style';
import { formatDuration, formatRelative, runDurationMs } from '../../shared/format';
import { renderTable } from '../output/table';

export async function runsCommand(cmd: Extract<Command, { kind: 'runs' }>, ctx: CliContext): Promise<number> {
  const client = await connect(cmd.dir, ctx.env);
  const page = await client.listRuns({
    status: cmd.status.length > 0 ? cmd.status : undefined,
    tag: cmd.tags.length > 0 ? cmd.tags : undefined,
    taskIdentifier: cmd.task,
    pageSize: cmd.limit,
  });
  if (cmd.json) {
    ctx.out(JSON.stringify(page.data, null, 2) + '\n');
    return 0;
  }
  if (page.data.length === 0) {
    ctx.out('no runs\n');
    return 0;
  }
  ctx.out(runsTable(page.data, styleFor({ isTTY: ctx.stdoutIsTTY }, ctx.env)) + '\n');
  return 0;
}

export function runsTable(runs: Run[], style: Style, now = Date.now()): string {
  const rows = runs.map((r) => {
    return [
      r.id,
      r.taskIdentifier,
      paintStatus(style, r.status),
      formatRelative(r.createdAt, now) || '-',
      formatDuration(runDurationMs(r, now) ?? Number.NaN) || '-',
      r.tags.join(', '),
    ];
  });
  return renderTable(['ID', 'TASK', 'STATUS', 'CREATED', 'DURATION', 'TAGS'], rows);
}
