import * as vscode from 'vscode';
import { describeError } from '../../shared/errors';
import { TOOLS, ToolError, type ToolContext } from '../../tools';
import { lmToolName, withLmToolNames } from '../../tools/manifest';
import type { EngineManager } from '../engine/engineManager';
import { Disposable } from '../lifecycle';

/**
 * The assistant tools of src/tools as VS Code language-model tools, for agent mode: the same operations and texts
 * as `runlight mcp`, on the engine the extension manages (started on first use, as commands do). Tools that change
 * anything ask the user first (prepareInvocation with confirmation messages).
 */
export class LanguageModelTools extends Disposable {
  constructor(engine: EngineManager, log: vscode.LogOutputChannel) {
    super();
    for (const tool of TOOLS) {
      this._register(
        vscode.lm.registerTool<unknown>(lmToolName(tool), {
          prepareInvocation: (options) => {
            const confirm = tool.confirmation(options.input);
            return {
              invocationMessage: `${tool.title}…`,
              ...(tool.writes && confirm ? { confirmationMessages: { title: confirm.title, message: new vscode.MarkdownString(confirm.message) } } : {}),
            };
          },
          invoke: async (options, token) => {
            const controller = new AbortController();
            const sub = token.onCancellationRequested(() => controller.abort());
            const ctx: ToolContext = {
              engine: () =>
                engine.ensureStarted().then(
                  (conn) => conn.client,
                  (error: unknown) => {
                    throw new ToolError(`The Runlight engine is not available: ${describeError(error)}`);
                  },
                ),
              signal: controller.signal,
              watchHint: (runId) => `The user sees it live in the Runlight view; "Runlight: Open Run" opens its panel (${runId}).`,
            };
            try {
              const result = await tool.invoke(options.input, ctx);
              if (result.isError) {
                log.warn(`${lmToolName(tool)}: ${result.text}`);
                // VS Code hands a thrown error's message to the model as the tool's failure.
                throw new Error(withLmToolNames(result.text));
              }
              return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(withLmToolNames(result.text))]);
            } finally {
              sub.dispose();
            }
          },
        }),
      );
    }
  }
}
