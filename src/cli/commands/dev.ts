import type { Command } from '../args';
import type { CliContext } from '../context';
import { describeError } from '../../shared/errors';

export const LISTENING_PREFIX = 'Runlight engine listening on ';

/** Starts the engine in the foreground; resolves with the exit code after SIGINT/SIGTERM closed it. */
export async function devCommand(cmd: Extract<Command, { kind: 'dev' }>, ctx: CliContext): Promise<number> {
  const { startEngine } = await import('../../engine');
  let announced = false;
  const engine = await startEngine({
    dir: cmd.dir,
    port: cmd.port,
    store: cmd.store,
    workers: cmd.workers,
    retention: {
      ...(cmd.retentionDays !== undefined ? { maxAgeMs: cmd.retentionDays * 86_400_000 } : {}),
      ...(cmd.retentionRuns !== undefined ? { maxRuns: cmd.retentionRuns } : {}),
    },
    log: (line) => {
      if (line.startsWith(LISTENING_PREFIX)) {
        if (!announced) ctx.out(line + '\n');
        announced = true;
      } else ctx.err(line + '\n');
    },
  });
  if (!announced) ctx.out(`${LISTENING_PREFIX}${engine.url}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const off = ctx.onSignal((signal) => {
      if (stopping) {
        ctx.err(`${signal} again: exiting without waiting\n`);
        process.exit(130);
      }
      stopping = true;
      ctx.err('stopping the engine…\n');
      off();
      const offAgain = ctx.onSignal(() => {
        ctx.err('exiting without waiting\n');
        process.exit(130);
      });
      engine
        .close()
        .catch((e: unknown) => ctx.err(`error while stopping: ${describeError(e)}\n`))
        .finally(() => {
          offAgain();
          resolve();
        });
    });
  });
  return 0;
}
