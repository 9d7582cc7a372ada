import { version } from '../../package.json';
import { parseCommandLine, type Command } from './args';
import { devCommand } from './commands/dev';
import { mcpCommand } from './commands/mcp';
import { runsCommand } from './commands/runs';
import { triggerCommand } from './commands/trigger';
import { watchCommand } from './commands/watch';
import { processContext, type CliContext } from './context';
import { COMMAND_HELP, MAIN_HELP } from './help';
import { reportError } from './report';

/** `runlight` — runs one command line and resolves with the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseCommandLine(argv, ctx.cwd);
  } catch (error) {
    return reportError(error, ctx.err);
  }
  try {
    switch (cmd.kind) {
      case 'help':
        ctx.out((cmd.topic ? (COMMAND_HELP[cmd.topic] ?? MAIN_HELP) : MAIN_HELP) + '\n');
        return 0;
      case 'version':
        ctx.out(`runlight ${version}\n`);
        return 0;
      case 'dev':
        return await devCommand(cmd, ctx);
      case 'trigger':
        return await triggerCommand(cmd, ctx);
      case 'runs':
        return await runsCommand(cmd, ctx);
      case 'watch':
        return await watchCommand(cmd, ctx);
      case 'mcp':
        return await mcpCommand(cmd, ctx);
    }
  } catch (error) {
    return reportError(error, ctx.err);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`error: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
