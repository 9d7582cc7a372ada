// `npm run test:integration`: compiles the suites, copies the demo workspace to a temp folder, and
// runs the suites inside the extension host of a real VS Code 1.100.3 (code-server) through the
// workbench `payload` route driven by Chromium. Prints mocha's report; exits with its code.
//   RUNLIGHT_EXTENSION_PATH  extension under test (default: the repository root)
//   RUNLIGHT_TEST_WORKSPACE  folder to copy and open (default: examples/demo)
//   RUNLIGHT_TEST_GREP       only tests whose title matches
//   RUNLIGHT_INTEGRATION_TIMEOUT_MS (default 600000), RUNLIGHT_KEEP_RUN=1, RUNLIGHT_VERBOSE=1
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { copyWorkspace, demoFolder, makeRunDir, removeRunDir, repoRoot, runExtensionTests, startLocalModel, startMemorySampler } from '../harness/src/index';
import { buildSuites } from './build';

async function main(): Promise<number> {
  const extensionPath = resolve(process.env.RUNLIGHT_EXTENSION_PATH ?? repoRoot);
  const manifest = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8')) as { main?: string; publisher?: string; name?: string };
  if (manifest.main && !existsSync(join(extensionPath, manifest.main))) {
    console.error(`integration: ${join(extensionPath, manifest.main)} is missing: run npm run build first`);
    return 1;
  }
  const workspaceSource = resolve(process.env.RUNLIGHT_TEST_WORKSPACE ?? demoFolder);
  const t0 = Date.now();
  const index = await buildSuites();
  const runDir = makeRunDir('integration');
  const folder = existsSync(workspaceSource) ? copyWorkspace(workspaceSource, join(runDir, 'workspace')) : workspaceSource;
  const model = existsSync(folder) ? await startLocalModel(folder) : undefined;
  if (model) console.log(`integration: the demo's local model server on ${model.url}`);
  const memory = startMemorySampler();
  const result = await runExtensionTests({
    extensionDevelopmentPath: extensionPath,
    extensionTestsPath: index,
    folder,
    runDir,
    env: {
      RUNLIGHT_EXTENSION_ID: `${manifest.publisher}.${manifest.name}`,
      ...(process.env.RUNLIGHT_TEST_GREP ? { RUNLIGHT_TEST_GREP: process.env.RUNLIGHT_TEST_GREP } : {}),
    },
  });
  const peak = memory.stop();
  await model?.close();
  console.log(
    `integration: ${result.code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
      `(suite ${(result.durationMs / 1000).toFixed(1)} s), peak memory ${peak.toFixed(0)} MiB PSS`,
  );
  if (!/\d+ passing/.test(result.output)) console.log('0 passing\n1 failing (the suite did not report)');
  if (result.code === 0) removeRunDir(runDir);
  else console.log(`integration: run folder kept: ${runDir}`);
  return result.code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log('1 failing (integration runner error)');
    process.exit(1);
  },
);
