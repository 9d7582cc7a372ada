import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TaskCatalog } from '../../../../src/engine/tasks';
import { FakeEngine } from '../../worker/support';

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('TaskCatalog', function () {
  this.timeout(180_000);
  let dir: string;
  let engine: FakeEngine;
  let catalog: TaskCatalog;
  const logs: string[] = [];

  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runlight-catalog-'));
    write('lib/value.ts', 'export const value = "v1";\n');
    write(
      'trigger/a.ts',
      'import { task } from "@trigger.dev/sdk";\nimport { value } from "../lib/value";\nexport const a = task({ id: "a", run: async () => value });\n',
    );
    engine = await FakeEngine.start();
  });
  after(async () => {
    await catalog?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds and indexes on start, then follows edits, new files, new folders, errors and deletions', async () => {
    let builds = 0;
    catalog = new TaskCatalog({ dir, index: (p) => engine.index(p), debounceMs: 100, log: (l) => logs.push(l), onDidChange: () => builds++ });
    await catalog.start();
    assert.deepEqual(
      catalog.list().map((t) => [t.id, t.filePath, t.line]),
      [['a', 'trigger/a.ts', 3]],
    );
    assert.deepEqual(catalog.errors(), []);
    const a = catalog.get('a')!;
    assert.equal(a.bundlePath, join(dir, '.runlight/build/trigger/a.ts.cjs'));
    assert.ok(existsSync(a.bundlePath));
    assert.match(logs.join('\n'), /tasks: 1 task\(s\) in 1 file\(s\); built 1 in \d+ ms/);
    const first = await engine.execute({ taskId: 'a', bundlePath: a.bundlePath });
    assert.deepEqual(first.end.type === 'completed' && first.end.output, 'v1');

    // An imported helper outside the task folder changes: the bundle is rebuilt, the warm worker reloads it.
    let seen = builds;
    write('lib/value.ts', 'export const value = "v2 from the helper";\n');
    await waitFor('a rebuild after the helper changed', () => builds > seen);
    const second = await engine.execute({ taskId: 'a', bundlePath: catalog.get('a')!.bundlePath });
    assert.deepEqual(second.end.type === 'completed' && second.end.output, 'v2 from the helper');

    seen = builds;
    write('trigger/b.ts', 'import { task } from "@trigger.dev/sdk";\nexport const b = task({ id: "b", run: async () => "b" });\n');
    await waitFor('task b', () => catalog.get('b') !== undefined);

    write('trigger/b.ts', 'export const b = ;\n');
    await waitFor('the error of b', () => catalog.errors().some((e) => e.startsWith('trigger/b.ts')));
    assert.equal(catalog.get('b'), undefined);
    assert.ok(catalog.get('a'), 'a broken file does not affect the others');

    write('src/trigger/c.ts', 'import { task } from "runlight";\nexport const c = task({ id: "c", run: async () => "c" });\n');
    await waitFor('task c in a folder created after start', () => catalog.get('c') !== undefined);

    unlinkSync(join(dir, 'trigger/b.ts'));
    await waitFor('b removed', () => catalog.errors().length === 0);
    assert.deepEqual(
      catalog
        .list()
        .map((t) => t.id)
        .sort(),
      ['a', 'c'],
    );
    assert.ok(!existsSync(join(dir, '.runlight/build/trigger/b.ts.cjs')));
  });

  it('reuses the bundles of an earlier engine when their inputs did not change', async () => {
    await catalog.close();
    const restart = async () => {
      const lines: string[] = [];
      const c = new TaskCatalog({ dir, index: (p) => engine.index(p), watch: false, log: (l) => lines.push(l) });
      await c.start();
      await c.close();
      return { c, log: lines.join('\n') };
    };
    const again = await restart();
    assert.match(again.log, /2 task\(s\) in 2 file\(s\); built 0, reused 2 unchanged/);
    assert.deepEqual(
      again.c
        .list()
        .map((t) => t.id)
        .sort(),
      ['a', 'c'],
    );
    // An input changed while no engine ran (same size, new mtime): only that bundle is rebuilt.
    await new Promise((r) => setTimeout(r, 20));
    write('lib/value.ts', 'export const value = "v3 from the helper";\n');
    const third = await restart();
    assert.match(third.log, /built 1, reused 1 unchanged/);
    const run = await engine.execute({ taskId: 'a', bundlePath: third.c.get('a')!.bundlePath });
    assert.deepEqual(run.end.type === 'completed' && run.end.output, 'v3 from the helper');
  });
  it('builds a task file written while the first build runs, without another change', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'runlight-catalog-'));
    const task = (id: string) => `import { task } from "@trigger.dev/sdk";\nexport const t = task({ id: "${id}", run: async () => "${id}" });\n`;
    mkdirSync(join(fresh, 'trigger'));
    writeFileSync(join(fresh, 'trigger/first.ts'), task('first'));
    let wrote = false;
    const c = new TaskCatalog({
      dir: fresh,
      debounceMs: 50,
      // Indexing the first file happens after the task folders were searched: the new file lands in between.
      index: (p) => {
        if (!wrote) writeFileSync(join(fresh, 'trigger/late.ts'), task('late'));
        wrote = true;
        return engine.index(p);
      },
    });
    try {
      await c.start();
      await waitFor('the late task', () => c.get('late') !== undefined, 60_000);
      assert.deepEqual(
        c
          .list()
          .map((t) => t.id)
          .sort(),
        ['first', 'late'],
      );
    } finally {
      await c.close();
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
