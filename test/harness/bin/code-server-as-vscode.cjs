#!/usr/bin/env node
// Stand-in for a VS Code executable, for @vscode/test-electron's runTests({ vscodeExecutablePath })
// on machines that cannot download VS Code: starts code-server's VS Code (1.100.3, or 1.139.1 with
// RUNLIGHT_VSCODE=current), runs the extension tests through the workbench payload route in
// Chromium, exits with the suite's code. The environment (runTests' extensionTestsEnv) is passed
// on to the extension host.
'use strict';
const { join } = require('node:path');
const root = join(__dirname, '..', '..', '..');
require(require.resolve('tsx/cjs/api', { paths: [root] })).register();
const { parseVscodeArgs } = require('../src/electron.ts');
const { runExtensionTests } = require('../src/extensionTests.ts');

const args = parseVscodeArgs(process.argv.slice(2));
const env = {};
for (const [k, v] of Object.entries(process.env)) if (k.startsWith('RUNLIGHT_') && v !== undefined) env[k] = v;
runExtensionTests({
  extensionDevelopmentPath: args.extensionDevelopmentPath,
  extensionTestsPath: args.extensionTestsPath,
  folder: args.folder ?? args.extensionDevelopmentPath,
  env,
}).then(
  (r) => process.exit(r.code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
