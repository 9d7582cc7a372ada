/** The status bar text for an engine state and the number of executing runs. Pure. */
export type EngineStateKind =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running'; url: string }
  | { kind: 'error'; message: string }
  | { kind: 'untrusted' }
  | { kind: 'noWorkspace' };

export function statusBarLook(state: EngineStateKind, executing: number): { text: string; tooltip: string; error: boolean } {
  switch (state.kind) {
    case 'running':
      return executing > 0
        ? {
            text: `$(loading~spin) ${executing} running`,
            tooltip: `Runlight: ${executing} run${executing === 1 ? '' : 's'} executing (engine ${state.url})`,
            error: false,
          }
        : { text: '$(pulse) Runlight idle', tooltip: `Runlight engine at ${state.url}: no run executing`, error: false };
    case 'starting':
      return { text: '$(loading~spin) Runlight starting…', tooltip: 'Starting the Runlight engine', error: false };
    case 'error':
      return { text: '$(error) Runlight engine down', tooltip: `Runlight: ${state.message}`, error: true };
    case 'untrusted':
      return { text: '$(shield) Runlight', tooltip: 'Runlight needs a trusted workspace to run tasks', error: false };
    case 'noWorkspace':
      return { text: '$(circle-slash) Runlight', tooltip: 'Runlight needs an open folder', error: false };
    case 'stopped':
      return { text: '$(debug-stop) Runlight stopped', tooltip: 'The Runlight engine is not running; click to open the Runs view', error: false };
  }
}
