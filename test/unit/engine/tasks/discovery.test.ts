// Task files as trigger dev finds them: every extension it bundles, trigger folders at any depth.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TaskCatalog, discoverTaskFiles } from '../../../../src/engine/tasks';
import { taskSource, waitFor, workspaces } from './support';

describe('task discovery: extensions and folders', function () {
  this.timeout(120_000);
  const w = workspaces();

  it('discovers and runs .tsx, .jsx, .cts and .cjs task files (JSX with the automatic runtime)', async () => {
    const dir = w.ws({
      'package.json': JSON.stringify({ name: 'ext-app', type: 'module' }),
      'node_modules/react/package.json': JSON.stringify({ name: 'react', version: '19.0.0' }),
      'node_modules/react/jsx-runtime.js': 'exports.jsx = (type, props) => ({ type, props });\nexports.jsxs = exports.jsx;\nexports.Fragment = "fragment";\n',
      'trigger/view.tsx': 'import { task } from "@trigger.dev/sdk";\nexport const v = task({ id: "tsx", run: async () => <b>{"hi" as string}</b> });\n',
      'trigger/view2.jsx': 'import { task } from "@trigger.dev/sdk";\nexport const v = task({ id: "jsx", run: async () => <i>yo</i> });\n',
      'trigger/old.cts': 'import { task } from "@trigger.dev/sdk";\nconst n: number = 3;\nexport const o = task({ id: "cts", run: async () => n });\n',
      'trigger/older.cjs': 'const { task } = require("@trigger.dev/sdk");\nmodule.exports = { o: task({ id: "cjs", run: async () => "cjs" }) };\n',
      'trigger/view.test.tsx': taskSource('not-a-task', '0'),
    });
    assert.deepEqual(
      discoverTaskFiles(dir).map((f) => f.slice(dir.length + 1)),
      ['trigger/old.cts', 'trigger/older.cjs', 'trigger/view.tsx', 'trigger/view2.jsx'],
    );
    const tasks = await w.loadAndRun(dir, {
      tsx: { type: 'b', props: { children: 'hi' } },
      jsx: { type: 'i', props: { children: 'yo' } },
      cts: 3,
      cjs: 'cjs',
    });
    assert.deepEqual(tasks.find((t) => t.id === 'cjs')?.exportName, 'o');
  });

  it('finds trigger folders at any depth (monorepos), not in node_modules, dot-folders, build output or app/api/trigger', async () => {
    const dir = w.ws({
      'apps/x/src/trigger/a.ts': taskSource('mono-a', '"a"'),
      'packages/jobs/trigger/deep/b.ts': taskSource('mono-b', '"b"'),
      'apps/web/app/api/trigger/route.ts': 'export const GET = () => new Response("not a task");\n',
      'node_modules/pkg/trigger/c.ts': taskSource('nm', '0'),
      '.cache/trigger/d.ts': taskSource('dot', '0'),
      'apps/x/dist/trigger/e.js': taskSource('dist', '0'),
      'apps/x/src/triggers/f.ts': taskSource('plural', '0'),
    });
    assert.deepEqual(
      discoverTaskFiles(dir).map((f) => f.slice(dir.length + 1)),
      ['apps/x/src/trigger/a.ts', 'packages/jobs/trigger/deep/b.ts'],
    );
    assert.deepEqual(
      discoverTaskFiles(dir, ['apps/x/src/triggers']).map((f) => f.slice(dir.length + 1)),
      ['apps/x/src/triggers/f.ts'],
      'listed folders are used as they are',
    );
    await w.loadAndRun(dir, { 'mono-a': 'a', 'mono-b': 'b' });
  });

  it('notices a trigger folder created anywhere after start', async () => {
    const dir = w.ws({ 'apps/x/src/trigger/a.ts': taskSource('w-a', '"a"'), 'apps/y/readme.md': '' });
    const catalog = new TaskCatalog({ dir, index: (p) => w.engine().index(p), debounceMs: 100 });
    try {
      await catalog.start();
      assert.ok(catalog.get('w-a'));
      mkdirSync(join(dir, 'apps/y/src/trigger'), { recursive: true });
      writeFileSync(join(dir, 'apps/y/src/trigger/b.ts'), taskSource('w-b', '"b"'));
      await waitFor('the task of the new folder', () => catalog.get('w-b') !== undefined);
      writeFileSync(join(dir, 'apps/y/src/trigger/c.ts'), taskSource('w-c', '"c"'));
      await waitFor('a second file in the new folder', () => catalog.get('w-c') !== undefined);
      rmSync(join(dir, 'apps/y/src/trigger'), { recursive: true });
      await waitFor('the folder removed', () => catalog.get('w-b') === undefined && catalog.get('w-c') === undefined);
      assert.ok(catalog.get('w-a'));
    } finally {
      await catalog.close();
    }
  });
});
