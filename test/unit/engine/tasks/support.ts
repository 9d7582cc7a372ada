import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TaskCatalog } from '../../../../src/engine/tasks';
import type { TaskInfo } from '../../../../src/protocol/api';
import { FakeEngine } from '../../worker/support';

export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A task file's source: one task `id` whose run returns the expression `out`. */
export const taskSource = (id: string, out: string, from = '@trigger.dev/sdk') =>
  `import { task } from "${from}";\nexport const t = task({ id: "${id}", run: async (payload: any) => ${out} });\n`;

/** Temp workspaces and (unless `worker` is false) one real task worker for a describe block; call in its body. */
export function workspaces({ worker = true } = {}): {
  ws(files: Record<string, string>): string;
  engine(): FakeEngine;
  loadAndRun(dir: string, expected: Record<string, unknown>, payload?: unknown): Promise<TaskInfo[]>;
} {
  let engine: FakeEngine | undefined;
  const cleanup: string[] = [];
  before(async () => {
    if (worker) engine = await FakeEngine.start({ ...process.env });
  });
  after(async () => {
    await engine?.close();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });
  const ws = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'runlight-ws-'));
    cleanup.push(dir);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    return dir;
  };
  /** Builds the workspace as the engine does (bundles in <dir>/.runlight/build), indexes, runs each task. */
  const loadAndRun = async (dir: string, expected: Record<string, unknown>, payload?: unknown) => {
    const catalog = new TaskCatalog({ dir, index: (p) => engine!.index(p), watch: false });
    try {
      await catalog.start();
      assert.deepEqual(catalog.errors(), []);
      assert.deepEqual(
        catalog
          .list()
          .map((t) => t.id)
          .sort(),
        Object.keys(expected).sort(),
      );
      for (const [id, output] of Object.entries(expected)) {
        const entry = catalog.get(id)!;
        assert.match(entry.bundlePath, /\.cjs$/);
        const run = await engine!.execute({ taskId: id, bundlePath: entry.bundlePath, payload });
        assert.equal(run.end.type, 'completed', `${id}: ${JSON.stringify(run.end)}`);
        assert.deepEqual(run.end.type === 'completed' && run.end.output, output, id);
      }
      return catalog.list();
    } finally {
      await catalog.close();
    }
  };
  return { ws, engine: () => engine!, loadAndRun };
}
