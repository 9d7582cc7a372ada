import * as z from 'zod/mini';
import type { EngineClient } from '../client/api';
import { EngineApiError, EngineConnectionError } from '../client/errors';
import { describeError } from '../shared/errors';

/**
 * One assistant tool: an engine operation with a typed input schema (src/protocol/tools.ts), a text result
 * written for a model, and whether it changes anything (writes are hidden by `runlight mcp --read-only` and
 * confirmed by the user in VS Code). No transport here: `runlight mcp` and the VS Code language-model tools both
 * call `invokeTool`.
 */

export interface ToolProgress {
  /** Increases with every report (seconds waited so far). */
  progress: number;
  total?: number;
  message: string;
}

export interface ToolContext {
  /** The engine, attached (or started) on first use. */
  engine(): Promise<EngineClient>;
  signal?: AbortSignal;
  /** Progress while a tool waits (MCP progress notifications when the client asked for them). */
  progress?(p: ToolProgress): void | Promise<void>;
  /** How a person follows a run from where the tools run (a command line, a VS Code command). */
  watchHint?(runId: string): string;
}

export interface ToolResult {
  text: string;
  isError: boolean;
}

export type AnyInput = z.ZodMiniObject<z.core.$ZodLooseShape, z.core.$strict>;

export interface ToolSpec<S extends AnyInput> {
  name: string;
  title: string;
  description: string;
  input: S;
  /** True when the tool changes anything (trigger, cancel, replay, complete a token). */
  writes: boolean;
  /** For write tools: what the user is asked before it runs. */
  confirm?: (input: z.output<S>) => { title: string; message: string };
  run(input: z.output<S>, ctx: ToolContext): Promise<string>;
}

export interface Tool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: AnyInput;
  readonly writes: boolean;
  /** The confirmation for these arguments, or undefined (read tools; arguments that do not parse). */
  confirmation(args: unknown): { title: string; message: string } | undefined;
  /** Parses `args` (errors name the field), runs, and turns every failure into an error result. */
  invoke(args: unknown, ctx: ToolContext): Promise<ToolResult>;
}

/** A failure to report to the model as it is (bad argument, unknown task, …). */
export class ToolError extends Error {
  override readonly name = 'ToolError';
}

export function defineTool<S extends AnyInput>(spec: ToolSpec<S>): Tool {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    input: spec.input,
    writes: spec.writes,
    confirmation(args) {
      const parsed = spec.input.safeParse(args ?? {});
      return parsed.success ? spec.confirm?.(parsed.data) : undefined;
    },
    async invoke(args, ctx) {
      const parsed = spec.input.safeParse(args ?? {});
      if (!parsed.success) return { text: `Invalid arguments for ${spec.name}:\n${issuesText(parsed.error)}`, isError: true };
      try {
        return { text: await spec.run(parsed.data, ctx), isError: false };
      } catch (error) {
        return { text: errorText(error), isError: true };
      }
    },
  };
}

/** One line per issue: `payload.prompt: Invalid input: expected string, received number`. */
export function issuesText(error: z.core.$ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys') return `${i.keys.join(', ')}: not an argument of this tool`;
      return `${path || '(arguments)'}: ${i.message}`;
    })
    .join('\n');
}

export function errorText(error: unknown): string {
  if (error instanceof ToolError) return error.message;
  if (error instanceof EngineApiError) {
    const where = error.status ? `HTTP ${error.status}, ` : '';
    const issues = (error.issues ?? []).map((i) => `\n  ${i.path || '(body)'}: ${i.message}`).join('');
    return `The engine refused: ${error.message} (${where}${error.code})${issues}`;
  }
  if (error instanceof EngineConnectionError) return error.message;
  return `Failed: ${describeError(error)}`;
}
