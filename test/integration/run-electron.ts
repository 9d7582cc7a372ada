// The same suites through @vscode/test-electron's runTests(), for machines that can download VS Code:
//   node --import tsx test/integration/run-electron.ts
// VSCODE_EXECUTABLE_PATH picks an installed VS Code (or the harness' stand-in,
// test/harness/bin/code-server-as-vscode.cjs, which runs them in code-server here); without it,
// runTests downloads VS Code 1.100.3.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runTests } from '../harness/src/electron';
import { copyWorkspace, demoFolder, makeRunDir, removeRunDir, repoRoot, startLocalModel } from '../harness/src/index';
import { buildSuites } from './build';

async function main(): Promise<number> {
  const extensionDevelopmentPath = resolve(process.env.RUNLIGHT_EXTENSION_PATH ?? repoRoot);
  const manifest = JSON.parse(readFileSync(join(extensionDevelopmentPath, 'package.json'), 'utf8')) as { publisher: string; name: string };
  const extensionTestsPath = await buildSuites();
  const runDir = makeRunDir('integration-electron');
  const folder = copyWorkspace(resolve(process.env.RUNLIGHT_TEST_WORKSPACE ?? demoFolder), join(runDir, 'workspace'));
  const model = await startLocalModel(folder);
  try {
    await runTests({
      version: '1.100.3',
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
      extensionDevelopmentPath,
      extensionTestsPath,
      launchArgs: [folder, '--disable-extensions'],
      extensionTestsEnv: {
        RUNLIGHT_EXTENSION_ID: `${manifest.publisher}.${manifest.name}`,
        RUNLIGHT_TEST_OUTPUT: join(runDir, 'suite-output.txt'),
        ...(process.env.RUNLIGHT_TEST_GREP ? { RUNLIGHT_TEST_GREP: process.env.RUNLIGHT_TEST_GREP } : {}),
      },
    });
    removeRunDir(runDir);
    return 0;
  } catch (err) {
    console.error(`integration (runTests): ${(err as Error).message}; run folder kept: ${runDir}`);
    return 1;
  } finally {
    await model?.close();
  }
}

main().then((code) => process.exit(code));
