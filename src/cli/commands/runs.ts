import type { Run } from '../../protocol/run';
import type { Command } from '../args';
import { connect } from '../connect';
import type { CliContext } from '../context';
import { formatDuration, paintStatus, styleFor, type Style } from '../output/style';
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
    const start = r.startedAt ? Date.parse(r.startedAt) : undefined;
    const end = r.finishedAt ? Date.parse(r.finishedAt) : now;
    return [
      r.id,
      r.taskIdentifier,
      paintStatus(style, r.status),
      formatCreated(r.createdAt, now),
      start === undefined ? '-' : formatDuration(end - start),
      r.tags.join(', '),
    ];
  });
  return renderTable(['ID', 'TASK', 'STATUS', 'CREATED', 'DURATION', 'TAGS'], rows);
}

function formatCreated(iso: string, now: number): string {
  const t = Date.parse(iso);
  const ago = now - t;
  if (ago >= 0 && ago < 24 * 3600_000) return `${formatDuration(ago)} ago`;
  return new Date(t).toISOString().replace('T', ' ').slice(0, 16);
}
