// @vscode/test-electron for machines that can download VS Code, and a stand-in "VS Code executable"
// for machines that cannot: bin/code-server-as-vscode.cjs accepts runTests' arguments and runs the
// suite in code-server's VS Code through the payload route.
import { join } from 'node:path';
export { runTests, downloadAndUnzipVSCode } from '@vscode/test-electron';
import { harnessDir } from './paths';

/** The stand-in executable to pass as `vscodeExecutablePath`. */
export const codeServerAsVscode = join(harnessDir, 'bin', 'code-server-as-vscode.cjs');

export interface ParsedVscodeArgs {
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  folder: string | undefined;
}

/** Parses the command line runTests() gives a VS Code executable. */
export function parseVscodeArgs(argv: readonly string[]): ParsedVscodeArgs {
  let dev: string | undefined;
  let tests: string | undefined;
  let folder: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const m = /^--(extensionDevelopmentPath|extensionTestsPath)(?:=(.*))?$/.exec(a);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (m[1] === 'extensionDevelopmentPath') dev = value;
      else tests = value;
    } else if (!a.startsWith('-') && folder === undefined) {
      folder = a;
    }
  }
  if (!dev || !tests) throw new Error(`need --extensionDevelopmentPath and --extensionTestsPath, got: ${argv.join(' ')}`);
  return { extensionDevelopmentPath: dev, extensionTestsPath: tests, folder };
}
