/**
 * The VS Code debug configuration that attaches the JavaScript debugger to a debug run's worker (no vscode here, so
 * it is unit-tested). The worker loads the task's bundle (`.runlight/build/**.cjs`, an inline source map whose sources
 * are the workspace's files), so breakpoints in `trigger/*.ts` bind to the TypeScript lines.
 */

export interface InspectorTarget {
  host: string;
  port: number;
}

export interface RunlightDebugConfiguration {
  type: 'pwa-node' | 'node';
  request: 'attach';
  name: string;
  address: string;
  port: number;
  sourceMaps: true;
  outFiles: string[];
  resolveSourceMapLocations: string[];
  skipFiles: string[];
  continueOnAttach: true;
  attachExistingChildren: false;
  autoAttachChildProcesses: false;
  /** The debug run, so the session can be told apart (Runlight's own field; the debugger ignores it). */
  runlightRunId: string;
  [key: string]: unknown;
}

/** Joins a folder and a glob with `/` (a glob is `/`-separated on every platform). */
function under(folder: string, glob: string): string {
  return `${folder.replace(/\\/g, '/').replace(/\/+$/, '')}/${glob}`;
}

/**
 * Attach to `inspector` for run `runId` of `taskId`: the task bundles of `workspace` carry the source maps; the
 * worker's own code (`workerDir`, the extension's dist folder) and Node's internals are skipped when stepping.
 */
export function debugConfiguration(
  taskId: string,
  runId: string,
  inspector: InspectorTarget,
  workspace: string,
  workerDir?: string,
): RunlightDebugConfiguration {
  return {
    type: 'node',
    request: 'attach',
    name: `Runlight: ${taskId}`,
    address: inspector.host,
    port: inspector.port,
    sourceMaps: true,
    outFiles: [under(workspace, '.runlight/build/**/*.cjs')],
    resolveSourceMapLocations: [under(workspace, '**'), '!**/node_modules/**'],
    skipFiles: ['<node_internals>/**', ...(workerDir ? [under(workerDir, '**')] : [])],
    continueOnAttach: true,
    attachExistingChildren: false,
    autoAttachChildProcesses: false,
    runlightRunId: runId,
  };
}
