// `npm run test:integration`: compiles the suites once, then on each VS Code host in turn (the
// minimum, code-server 4.100.3 = VS Code 1.100.3 on this machine's Node, and the current one,
// code-server 4.139.1 = VS Code 1.139.1 on the harness' Node 24) copies the demo workspace to a temp
// folder and runs the suites inside that host's extension host through the workbench `payload` route
// driven by Chromium. Prints mocha's report and one line per host; exits 1 when any host failed.
//   RUNLIGHT_VSCODE          min | current: only that host (default: both, min first)
//   RUNLIGHT_EXTENSION_PATH  extension under test (default: the repository root)
//   RUNLIGHT_TEST_WORKSPACE  folder to copy and open (default: examples/demo)
//   RUNLIGHT_TEST_GREP       only tests whose title matches
//   RUNLIGHT_INTEGRATION_TIMEOUT_MS (default 600000 per host), RUNLIGHT_KEEP_RUN=1, RUNLIGHT_VERBOSE=1
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  codeServerVersion,
  copyWorkspace,
  demoFolder,
  makeRunDir,
  removeRunDir,
  repoRoot,
  runExtensionTests,
  startLocalModel,
  startMemorySampler,
  VSCODE_HOSTS,
  vscodeHost,
  vscodeVersion,
  type VscodeHostId,
} from '../harness/src/index';
import { buildSuites } from './build';

interface HostResult {
  line: string;
  code: number;
}

async function runOn(hostId: VscodeHostId, index: string, extensionPath: string, extensionId: string): Promise<HostResult> {
  const host = vscodeHost(hostId);
  const version = vscodeVersion(host);
  const label = `integration (VS Code ${version})`;
  console.log(`\n${label}: ${host.id} host, code-server ${codeServerVersion(host)} on Node ${nodeVersion(host.node)}`);
  const t0 = Date.now();
  const workspaceSource = resolve(process.env.RUNLIGHT_TEST_WORKSPACE ?? demoFolder);
  const runDir = makeRunDir(`integration-${host.id}`);
  const folder = existsSync(workspaceSource) ? copyWorkspace(workspaceSource, join(runDir, 'workspace')) : workspaceSource;
  const model = existsSync(folder) ? await startLocalModel(folder) : undefined;
  if (model) console.log(`${label}: the demo's local model server on ${model.url}`);
  const memory = startMemorySampler();
  const result = await runExtensionTests({
    extensionDevelopmentPath: extensionPath,
    extensionTestsPath: index,
    folder,
    runDir,
    host,
    env: {
      RUNLIGHT_EXTENSION_ID: extensionId,
      ...(process.env.RUNLIGHT_TEST_GREP ? { RUNLIGHT_TEST_GREP: process.env.RUNLIGHT_TEST_GREP } : {}),
    },
  });
  const peak = memory.stop();
  await model?.close();
  const line =
    `${label}: ${result.code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s ` +
    `(suite ${(result.durationMs / 1000).toFixed(1)} s), peak memory ${peak.toFixed(0)} MiB PSS`;
  console.log(line);
  if (!/\d+ passing/.test(result.output)) console.log('0 passing\n1 failing (the suite did not report)');
  if (result.code === 0) removeRunDir(runDir);
  else console.log(`${label}: run folder kept: ${runDir}`);
  return { line, code: result.code };
}

function nodeVersion(node: string): string {
  if (node === process.execPath) return process.version;
  const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `? (${node})`;
}

async function main(): Promise<number> {
  const extensionPath = resolve(process.env.RUNLIGHT_EXTENSION_PATH ?? repoRoot);
  const manifest = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8')) as { main?: string; publisher?: string; name?: string };
  if (manifest.main && !existsSync(join(extensionPath, manifest.main))) {
    console.error(`integration: ${join(extensionPath, manifest.main)} is missing: run npm run build first`);
    return 1;
  }
  const wanted = process.env.RUNLIGHT_VSCODE;
  const hosts: VscodeHostId[] = wanted ? [vscodeHost(wanted).id] : [...VSCODE_HOSTS];
  const index = await buildSuites();
  const results: HostResult[] = [];
  for (const id of hosts) results.push(await runOn(id, index, extensionPath, `${manifest.publisher}.${manifest.name}`));
  if (results.length > 1) {
    console.log('');
    for (const r of results) console.log(r.line);
  }
  return results.some((r) => r.code !== 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log('1 failing (integration runner error)');
    process.exit(1);
  },
);
