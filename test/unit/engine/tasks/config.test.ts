// The project's trigger.config file in the task catalog, with a real forked worker loading it: found at the root
// (every extension), its `dirs`, `maxDuration` and `retries.default` applied to the task list, its problems named
// (file and field) while the tasks still load with the defaults, and reloaded when it changes.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TaskCatalog } from '../../../../src/engine/tasks';
import { taskSource, waitFor, workspaces } from './support';

const CONFIG = (body: string, from = '@trigger.dev/sdk') => `import { defineConfig } from "${from}";\nexport default defineConfig(${body});\n`;

describe('trigger.config in the task catalog (real worker)', function () {
  this.timeout(180_000);
  const { ws, engine } = workspaces();
  const catalogs: TaskCatalog[] = [];
  after(async () => {
    for (const c of catalogs) await c.close();
  });

  /** A started catalog of `dir` that loads its config on the test's worker. */
  const open = async (dir: string, o: { watch?: boolean; taskDirs?: string[]; log?: string[] } = {}) => {
    const c = new TaskCatalog({
      dir,
      index: (p) => engine().index(p),
      loadConfig: (p) => engine().loadConfig(p),
      watch: o.watch ?? false,
      debounceMs: 100,
      taskDirs: o.taskDirs,
      log: (l) => o.log?.push(l),
    });
    catalogs.push(c);
    await c.start();
    return c;
  };
  const ids = (c: TaskCatalog) =>
    c
      .list()
      .map((t) => t.id)
      .sort();

  const TWO_FOLDERS = {
    'trigger/t.ts': taskSource('in-trigger', '"t"'),
    'jobs/own.ts': `import { task } from "@trigger.dev/sdk";
export const own = task({ id: "own", maxDuration: 30, retry: { minTimeoutInMs: 10 }, run: async () => "own" });
export const plain = task({ id: "plain", run: async () => "plain" });
`,
  };

  it('without a config: every trigger folder, no defaults, no problems (as before)', async () => {
    const c = await open(ws(TWO_FOLDERS));
    assert.deepEqual(ids(c), ['in-trigger']);
    assert.deepEqual(c.errors(), []);
    assert.equal(c.configBundle(), undefined);
    assert.equal(c.taskFolders(), undefined);
    assert.equal(c.get('in-trigger')!.info.maxDuration, undefined);
    assert.equal(c.get('in-trigger')!.info.maxAttempts, undefined);
  });

  it('dirs replaces the trigger folders; maxDuration and retries.default apply to tasks without their own', async () => {
    const log: string[] = [];
    const c = await open(
      ws({
        ...TWO_FOLDERS,
        'trigger.config.ts': CONFIG(
          `{ project: "proj_1", dirs: ["./jobs"], maxDuration: 120, retries: { enabledInDev: true, default: { maxAttempts: 4, factor: 1, minTimeoutInMs: 50 } } }`,
        ),
      }),
      { log },
    );
    assert.deepEqual(c.errors(), []);
    assert.deepEqual(ids(c), ['own', 'plain'], 'only the config dirs are searched');
    assert.deepEqual(c.taskFolders(), ['jobs']);
    assert.match(c.configBundle() ?? '', /\.runlight\/build\/trigger\.config\.ts\.cjs$/);
    const own = c.get('own')!.info;
    const plain = c.get('plain')!.info;
    assert.equal(own.maxDuration, 30, "a task's own maxDuration wins");
    assert.equal(own.maxAttempts, undefined, 'a task with its own retry does not take retries.default');
    assert.equal(plain.maxDuration, 120);
    assert.equal(plain.maxAttempts, 4);
    assert.match(log.join('\n'), /config: trigger\.config\.ts loaded \(dirs jobs; retries .*; maxDuration 120 s\)/);
  });

  it('the engine’s listed task folders win over the config’s dirs', async () => {
    const c = await open(ws({ ...TWO_FOLDERS, 'trigger.config.ts': CONFIG(`{ project: "p", dirs: ["jobs"] }`) }), { taskDirs: ['trigger'] });
    assert.deepEqual(ids(c), ['in-trigger']);
    assert.deepEqual(c.taskFolders(), ['trigger']);
  });

  it('finds trigger.config.mjs (runlight/sdk import) and a CommonJS trigger.config.cjs (module.exports)', async () => {
    const mjs = await open(ws({ ...TWO_FOLDERS, 'trigger.config.mjs': CONFIG(`{ project: "p", dirs: ["jobs"] }`, 'runlight/sdk') }));
    assert.deepEqual(ids(mjs), ['own', 'plain']);
    const cjs = await open(
      ws({
        ...TWO_FOLDERS,
        'trigger.config.cjs': `const { defineConfig } = require("@trigger.dev/sdk/v3");\nmodule.exports = defineConfig({ project: "p", maxDuration: 9 });\n`,
      }),
    );
    assert.deepEqual(cjs.errors(), []);
    assert.equal(cjs.get('in-trigger')!.info.maxDuration, 9);
  });

  it('names the file and the field of every problem, and the tasks still load with the defaults', async () => {
    const cases: Array<{ name: string; config: string; errors: RegExp[]; maxDuration?: number; not?: RegExp }> = [
      {
        name: 'a syntax error',
        config: 'export default { project: "p", ',
        errors: [/^trigger\.config\.ts: trigger\.config\.ts:1:\d+: .*; the tasks load with the defaults$/],
      },
      {
        name: 'a config that throws while loading',
        config: 'throw new Error("no DATABASE_URL");\nexport default {};\n',
        errors: [
          /^trigger\.config\.ts: it threw while loading: Error: no DATABASE_URL\n {2}at .*trigger\.config\.ts:1:7\)[\s\S]*; the tasks load with the defaults$/,
        ],
        // The frames of the worker's own code that loaded the file are left out.
        not: /src\/worker|collectTasks/,
      },
      {
        name: 'a field of the wrong type (the others still apply)',
        config: CONFIG(`{ project: "p", maxDuration: 42, retries: { default: { maxAttempts: "3" as any } } }`),
        errors: [
          /^trigger\.config\.ts: retries\.default\.maxAttempts: Invalid input: expected number, received string \(found "3"\); "retries" is ignored, the default applies$/,
        ],
        maxDuration: 42,
      },
      {
        name: 'dirs that is not a list, a hook that is not a function, a misplaced hook and an unknown field',
        config: CONFIG(`{ project: "p", dirs: "jobs" as any, onStart: "later" as any, onComplete: () => {}, retrys: {} } as any`),
        errors: [
          /^trigger\.config\.ts: dirs: Invalid input: expected array, received string \(found "jobs"\); "dirs" is ignored, the default applies$/,
          /^trigger\.config\.ts: onStart: must be a function \(found "later"\); it is ignored$/,
          /^trigger\.config\.ts: onComplete: not a trigger\.config option .* register it with tasks\.onComplete\(…\) in a task file$/,
          /^trigger\.config\.ts: retrys: not a trigger\.config option; it is ignored$/,
        ],
      },
      { name: 'no default export', config: 'export const other = 1;\n', errors: [/^trigger\.config\.ts: has no config: export it as the default export/] },
      {
        name: 'build extensions (the package need not be installed): loaded, build reported as not applied',
        config: `import { defineConfig } from "@trigger.dev/sdk";
import { prismaExtension } from "@trigger.dev/build/extensions/prisma";
import { additionalFiles as files } from "@trigger.dev/build/extensions/core";
export default defineConfig({ project: "p", maxDuration: 7, build: { extensions: [prismaExtension({ schema: "prisma/schema.prisma" }), files({ files: ["a"] })] } });
`,
        errors: [/^trigger\.config\.ts: build: not applied by Runlight \(ignored\)$/],
        maxDuration: 7,
      },
    ];
    for (const t of cases) {
      const c = await open(ws({ ...TWO_FOLDERS, 'trigger.config.ts': t.config }));
      const errors = c.errors();
      assert.equal(errors.length, t.errors.length, `${t.name}: ${errors.join('\n')}`);
      t.errors.forEach((re, i) => assert.match(errors[i]!, re, t.name));
      if (t.not) assert.doesNotMatch(errors.join('\n'), t.not, t.name);
      assert.deepEqual(ids(c), ['in-trigger'], `${t.name}: the tasks load`);
      assert.equal(c.get('in-trigger')!.info.maxDuration, t.maxDuration, t.name);
      const run = await engine().execute({ taskId: 'in-trigger', bundlePath: c.get('in-trigger')!.bundlePath, configPath: c.configBundle() });
      assert.equal(run.end.type, 'completed', `${t.name}: the task runs`);
    }
  });

  it('the worker runs the config hooks around a task: defineConfig hooks, then tasks.onX called in the config file, then the task file ones', async () => {
    const c = await open(
      ws({
        'trigger.config.ts': `import { defineConfig, tasks } from "@trigger.dev/sdk";
const trail = ((globalThis as any).trail ??= []);
tasks.onStart("from-config-file", () => void trail.push("onStart:tasks.onStart in the config"));
export default defineConfig({ project: "p", onStart: ({ ctx }) => void trail.push("onStart:config:" + ctx.task.id) });
`,
        'trigger/t.ts': `import { task, tasks } from "@trigger.dev/sdk";
tasks.onStart("file", () => void (globalThis as any).trail.push("onStart:file"));
export const t = task({ id: "hooked", onStart: () => void (globalThis as any).trail.push("onStart:task"), run: async () => (globalThis as any).trail.splice(0) });
`,
      }),
    );
    assert.deepEqual(c.errors(), []);
    const run = await engine().execute({ taskId: 'hooked', bundlePath: c.get('hooked')!.bundlePath, configPath: c.configBundle() });
    assert.deepEqual(run.end.type === 'completed' && run.end.output, [
      'onStart:tasks.onStart in the config',
      'onStart:config:hooked',
      'onStart:file',
      'onStart:task',
    ]);
    // Without the config (the engine sends none when it did not load), only the task file's hooks run.
    const bare = await engine().execute({ taskId: 'hooked', bundlePath: c.get('hooked')!.bundlePath });
    assert.deepEqual(bare.end.type === 'completed' && bare.end.output, ['onStart:file', 'onStart:task']);
  });

  it('reloads when the config appears, changes and goes away', async () => {
    const dir = ws(TWO_FOLDERS);
    const write = (rel: string, text: string) => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    };
    const c = await open(dir, { watch: true });
    assert.deepEqual(ids(c), ['in-trigger']);

    write('trigger.config.ts', CONFIG(`{ project: "p", dirs: ["jobs"] }`));
    await waitFor('the config dirs', () => ids(c).join() === 'own,plain');
    assert.deepEqual(c.taskFolders(), ['jobs']);

    // A new file in the config's folder is noticed (the watcher follows the new folders).
    write('jobs/more.ts', taskSource('more', '"m"'));
    await waitFor('a new task in the config dirs', () => c.get('more') !== undefined);

    write('trigger.config.ts', CONFIG(`{ project: "p", dirs: ["jobs"], maxDuration: "1h" as any }`));
    await waitFor('the bad field', () => c.errors().some((e) => e.startsWith('trigger.config.ts: maxDuration: ')));
    assert.deepEqual(ids(c), ['more', 'own', 'plain'], 'the other fields still apply');

    write('trigger.config.ts', CONFIG(`{ project: "p", dirs: ["jobs"], maxDuration: 5 }`));
    await waitFor('the fixed field', () => c.errors().length === 0 && c.get('plain')?.info.maxDuration === 5);

    unlinkSync(join(dir, 'trigger.config.ts'));
    await waitFor('the defaults again', () => ids(c).join() === 'in-trigger');
    assert.equal(c.configBundle(), undefined);
    assert.equal(c.taskFolders(), undefined);
    rmSync(join(dir, 'jobs'), { recursive: true });
  });
});
