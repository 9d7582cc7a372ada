import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import type { Services } from '../services';
import type { CommandDef } from './command';
import { describeError } from '../../shared/errors';

/** Registers every command once; a command that throws is logged (and rethrown to its caller). */
export class CommandRegistry extends Disposable {
  constructor(services: Services, commands: readonly CommandDef[]) {
    super();
    for (const cmd of commands) {
      this._register(
        vscode.commands.registerCommand(cmd.id, async (...args: unknown[]) => {
          try {
            return await cmd.run(services, ...args);
          } catch (err) {
            services.log.error(`${cmd.id} failed: ${describeError(err, { stack: true })}`);
            throw err;
          }
        }),
      );
    }
  }
}
