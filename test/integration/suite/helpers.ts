// Shared helpers of the in-host suites.
import * as vscode from 'vscode';

export interface Manifest {
  name: string;
  publisher: string;
  contributes?: {
    commands?: { command: string; title: string }[];
    views?: Record<string, { id: string; name: string }[]>;
    viewsContainers?: Record<string, { id: string; title: string }[]>;
  };
}

export function extensionId(): string {
  return process.env.RUNLIGHT_EXTENSION_ID ?? 'runlight.runlight';
}

export function manifest(): Manifest {
  const ext = vscode.extensions.getExtension(extensionId());
  if (!ext) throw new Error(`extension ${extensionId()} is not loaded`);
  return ext.packageJSON as Manifest;
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
