// `npm run test:desktop`: the same suites in desktop VS Code through @vscode/test-electron's runTests().
//   - VSCODE_EXECUTABLE_PATH set: that VS Code, once. When it is the harness' stand-in
//     (test/harness/bin/code-server-as-vscode.cjs, which runs the suites in code-server), once per
//     host, like test:integration.
//   - Otherwise: downloads desktop VS Code 1.100.3 (the engines minimum) and 1.139.1 (the current
//     host's version) into out/vscode-test and runs on each. When no build can be had (no network
//     to VS Code's download service, as on the test machines), prints one line saying it skipped
//     and why, and exits 0.
//   RUNLIGHT_VSCODE=min|current: only that version (or stand-in host); RUNLIGHT_TEST_GREP,
//   RUNLIGHT_EXTENSION_PATH, RUNLIGHT_TEST_WORKSPACE as for test:integration.
// Desktop VS Code on Linux needs a display (e.g. xvfb-run npm run test:desktop on a headless machine).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { codeServerAsVscode, downloadAndUnzipVSCode, runTests } from '../harness/src/electron';
import {
  copyWorkspace,
  demoFolder,
  makeRunDir,
  removeRunDir,
  repoRoot,
  startLocalModel,
  VSCODE_HOSTS,
  vscodeHost,
  vscodeVersion,
  type VscodeHostId,
} from '../harness/src/index';
import { buildSuites } from './build';

/** Desktop builds matching the two harness hosts. */
const DESKTOP_VERSIONS: Record<VscodeHostId, string> = { min: '1.100.3', current: '1.139.1' };
/** An idle download (no data) fails after this long, so an unreachable service is noticed quickly. */
const DOWNLOAD_IDLE_TIMEOUT_MS = 15_000;

interface Target {
  label: string;
  executable: string;
  env: Record<string, string>;
}

function hostIds(): VscodeHostId[] {
  const wanted = process.env.RUNLIGHT_VSCODE;
  return wanted ? [vscodeHost(wanted).id] : [...VSCODE_HOSTS];
}

/** Where to run, or why there is nowhere. */
async function targets(): Promise<Target[] | { skipped: string }> {
  const given = process.env.VSCODE_EXECUTABLE_PATH;
  if (given) {
    const executable = resolve(given);
    if (!existsSync(executable)) throw new Error(`VSCODE_EXECUTABLE_PATH=${given}: no such file`);
    if (basename(executable) === basename(codeServerAsVscode)) {
      return hostIds().map((id) => ({
        label: `desktop via the code-server stand-in (VS Code ${vscodeVersion(vscodeHost(id))})`,
        executable,
        env: { RUNLIGHT_VSCODE: id },
      }));
    }
    return [{ label: `desktop (${executable})`, executable, env: {} }];
  }
  const cachePath = join(repoRoot, 'out', 'vscode-test');
  const found: Target[] = [];
  for (const id of hostIds()) {
    const version = DESKTOP_VERSIONS[id];
    const t0 = Date.now();
    try {
      const executable = await downloadAndUnzipVSCode({ version, cachePath, timeout: DOWNLOAD_IDLE_TIMEOUT_MS });
      found.push({ label: `desktop (VS Code ${version})`, executable, env: {} });
    } catch (err) {
      const why = (err as Error).message.split('\n')[0];
      return { skipped: `download of VS Code ${version} failed after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${why}` };
    }
  }
  return found;
}

async function runOn(target: Target, extensionTestsPath: string): Promise<{ line: string; code: number }> {
  const extensionDevelopmentPath = resolve(process.env.RUNLIGHT_EXTENSION_PATH ?? repoRoot);
  const manifest = JSON.parse(readFileSync(join(extensionDevelopmentPath, 'package.json'), 'utf8')) as { publisher: string; name: string };
  const t0 = Date.now();
  console.log(`\n${target.label}: ${target.executable}`);
  const runDir = makeRunDir('integration-electron');
  const folder = copyWorkspace(resolve(process.env.RUNLIGHT_TEST_WORKSPACE ?? demoFolder), join(runDir, 'workspace'));
  const model = await startLocalModel(folder);
  let code = 0;
  try {
    await runTests({
      vscodeExecutablePath: target.executable,
      extensionDevelopmentPath,
      extensionTestsPath,
      launchArgs: [folder, '--disable-extensions'],
      extensionTestsEnv: {
        ...target.env,
        RUNLIGHT_EXTENSION_ID: `${manifest.publisher}.${manifest.name}`,
        RUNLIGHT_TEST_OUTPUT: join(runDir, 'suite-output.txt'),
        ...(process.env.RUNLIGHT_TEST_GREP ? { RUNLIGHT_TEST_GREP: process.env.RUNLIGHT_TEST_GREP } : {}),
      },
    });
    removeRunDir(runDir);
  } catch (err) {
    code = 1;
    console.error(`${target.label}: ${(err as Error).message}; run folder kept: ${runDir}`);
  } finally {
    await model?.close();
  }
  const line = `${target.label}: ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
  console.log(line);
  return { line, code };
}

async function main(): Promise<number> {
  const found = await targets();
  if (!Array.isArray(found)) {
    console.log(
      `test:desktop: skipped — no desktop VS Code build can be obtained on this machine (${found.skipped}); ` +
        'set VSCODE_EXECUTABLE_PATH to run (test/harness/bin/code-server-as-vscode.cjs runs the suites in code-server)',
    );
    return 0;
  }
  const extensionTestsPath = await buildSuites();
  const results = [];
  for (const t of found) results.push(await runOn(t, extensionTestsPath));
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
    console.log('1 failing (test:desktop runner error)');
    process.exit(1);
  },
);
