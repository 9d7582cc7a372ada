// Task bundles load whatever the workspace's package type: ES module packages, CommonJS ones, no package.json.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bundleTasks, discoverTaskFiles } from '../../../../src/engine/tasks';
import { taskSource, workspaces } from './support';

describe('task workspaces: package types', function () {
  this.timeout(120_000);
  const w = workspaces();

  it('loads and runs tasks of an ES module package ("type": "module"), with an ESM-only dependency and import.meta.url', async () => {
    const dir = w.ws({
      'package.json': JSON.stringify({ name: 'esm-app', type: 'module' }),
      'lib/shout.ts': 'import { loud } from "esm-only";\nexport const shout = (s: string) => loud(s);\n',
      'trigger/a.ts':
        'import { task } from "@trigger.dev/sdk";\nimport { shout } from "../lib/shout.js";\n' +
        'export const a = task({ id: "esm-a", run: async (p: { name: string }) => ({ said: shout(p.name), url: import.meta.url.startsWith("file:") }) });\n',
      'trigger/b.mjs': 'import { task } from "@trigger.dev/sdk/v3";\nexport const b = task({ id: "esm-b", run: async () => "b" });\n',
      'node_modules/esm-only/package.json': JSON.stringify({ name: 'esm-only', type: 'module', exports: { '.': { import: './index.js' } } }),
      'node_modules/esm-only/index.js': 'export const loud = (s) => s.toUpperCase() + "!";\n',
    });
    await w.loadAndRun(dir, { 'esm-a': { said: 'ADA!', url: true }, 'esm-b': 'b' }, { name: 'ada' });
  });

  it('loads and runs tasks of a workspace without package.json, and of a CommonJS package', async () => {
    await w.loadAndRun(w.ws({ 'trigger/a.ts': taskSource('plain', '"plain"') }), { plain: 'plain' });
    const cjs = w.ws({
      'package.json': JSON.stringify({ name: 'cjs-app', type: 'commonjs' }),
      'trigger/a.ts': taskSource('cjs-a', '"a"'),
      'trigger/b.js': 'const { task } = require("@trigger.dev/sdk");\nexports.b = task({ id: "cjs-b", run: async () => "b" });\n',
    });
    await w.loadAndRun(cjs, { 'cjs-a': 'a', 'cjs-b': 'b' });
  });

  it('says why a task file with top-level await does not build (CommonJS bundles), and builds the others', async () => {
    const dir = w.ws({
      'package.json': JSON.stringify({ name: 'tla', type: 'module' }),
      'trigger/tla.ts':
        'import { task } from "@trigger.dev/sdk";\nconst v = await Promise.resolve(1);\nexport const t = task({ id: "tla", run: async () => v });\n',
      'trigger/ok.ts': taskSource('ok', '"ok"'),
    });
    const builds = await bundleTasks(dir, discoverTaskFiles(dir), join(dir, '.runlight/build'));
    const byRel = Object.fromEntries(builds.map((b) => [b.relPath, b]));
    assert.equal(byRel['trigger/ok.ts']!.error, undefined);
    assert.match(
      byRel['trigger/tla.ts']!.error!,
      /^trigger\/tla\.ts:2:\d+: Top-level await is currently not supported .*move the top-level await into run\(\)/,
    );
  });
});
