// Shared helpers of the in-host suites.
import * as vscode from 'vscode';

export { bridge } from './bridge';

export interface Manifest {
  name: string;
  publisher: string;
  contributes?: {
    commands?: { command: string; title: string }[];
    views?: Record<string, { id: string; name: string }[]>;
    viewsContainers?: Record<string, { id: string; title: string }[]>;
  };
}

/** The run fields the suites read (the extension's API returns the protocol's Run objects). */
export interface RunLike {
  id: string;
  taskIdentifier: string;
  status: string;
  tags: string[];
  batchId?: string | null;
  payload?: unknown;
  output?: unknown;
  finishedAt?: unknown;
  parentTaskRunId?: string;
  rootTaskRunId?: string;
  depth?: number;
  waitingFor?: { kind: 'token'; tokenId: string } | { kind: 'runs'; runIds: string[] } | { kind: 'time'; until: string };
}

/** One item of the Runs view as the extension's tree provider gives it to VS Code (src/extension/api.ts). */
export interface RunsViewItem {
  id: string;
  label: string;
  description: string | undefined;
  tooltip: string | undefined;
  icon: string | undefined;
  color: string | undefined;
  contextValue: string | undefined;
  collapsible: 'none' | 'collapsed' | 'expanded';
}

/** The API `activate()` returns (src/extension/api.ts), as far as the suites use it. */
export interface RunlightApi {
  engine: { url(): string | undefined; ready(): Promise<string> };
  runs: { get(id: string): RunLike | undefined; all(): RunLike[] };
  tasks: { list(): string[]; watchedFiles(): string | undefined };
  schedules: { list(): Array<{ id: string; task: string; type: string; active: boolean; nextRun: string | null; lastRun: string | null }> };
  openPanels(): string[];
  terminalEnvironment(): Record<string, string>;
  runsView: {
    children(id?: string): RunsViewItem[];
    /** The active filter's text, and the view's description and message (src/extension/api.ts). */
    filter(): { text: string; description: string | undefined; message: string | undefined };
  };
  mcpServerOffered?(): boolean;
}

export function extensionId(): string {
  return process.env.RUNLIGHT_EXTENSION_ID ?? 'runlight.runlight';
}

export function isRunlight(): boolean {
  return extensionId() === 'runlight.runlight';
}

export function manifest(): Manifest {
  const ext = vscode.extensions.getExtension(extensionId());
  if (!ext) throw new Error(`extension ${extensionId()} is not loaded`);
  return ext.packageJSON as Manifest;
}

/** Activates Runlight and returns its API. */
export async function runlight(): Promise<RunlightApi> {
  const ext = vscode.extensions.getExtension<RunlightApi>(extensionId());
  if (!ext) throw new Error(`extension ${extensionId()} is not loaded`);
  return ext.activate();
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the run (as the extension sees it, live from the engine's feed) has `status`. */
export async function runReaches(api: RunlightApi, id: string, status: string, timeoutMs = 45_000): Promise<RunLike> {
  let seen = 'not seen';
  try {
    return await eventually(
      `run ${id} reaches ${status}`,
      () => {
        const run = api.runs.get(id);
        if (run) seen = run.status;
        return run?.status === status ? run : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last status: ${seen}`, { cause: err });
  }
}

/** Triggers through the command, without prompts (the API form of `runlight.triggerTask`). */
export async function trigger(taskId: string, payload?: unknown, tags?: string[], open = false): Promise<string> {
  const id = await vscode.commands.executeCommand<string | undefined>('runlight.triggerTask', { taskId, payload, tags, open });
  if (typeof id !== 'string') throw new Error(`runlight.triggerTask returned ${String(id)}`);
  return id;
}

/** A tag unique to this test run. */
export function uniqueTag(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Waits until the Tasks view lists `taskIds` (refreshing it meanwhile): a trigger waits for the first indexing of
 * the task files, which on a busy machine can outlast a request's timeout.
 */
export async function tasksIndexed(api: RunlightApi, taskIds: readonly string[], timeoutMs = 120_000): Promise<void> {
  const listed = () => taskIds.every((t) => api.tasks.list().includes(t));
  await eventually(
    `the tasks ${taskIds.join(', ')} are indexed`,
    async () => {
      if (!listed()) await vscode.commands.executeCommand('runlight.refresh');
      return listed() ? true : undefined;
    },
    timeoutMs,
  );
}
