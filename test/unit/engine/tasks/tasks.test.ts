import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  TaskBundler,
  bundleTasks,
  discoverTaskFiles,
  findIdLine,
  indexTasks,
  loadWorkspaceEnv,
  forkTaskWorker,
  indexOnWorker,
  workerReady,
  esbuildLocation,
} from '../../../../src/engine/tasks';
import { buildWorker, FIXTURE_WS, ROOT, WORKER_JS } from '../../worker/support';

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runlight-ws-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const SDK_TASK = (id: string, out = '"ok"') =>
  `import { task } from "@trigger.dev/sdk";\nexport const t = task({\n  id: "${id}",\n  run: async () => ${out},\n});\n`;

describe('task discovery, bundling and indexing', function () {
  this.timeout(120_000);
  const cleanup: string[] = [];
  after(() => {
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });
  const ws = (files: Record<string, string>) => {
    const d = workspace(files);
    cleanup.push(d);
    return d;
  };

  it('discovers task files under trigger folders, or under the listed folders only', () => {
    const dir = ws({
      'trigger/a.ts': '',
      'trigger/sub/b.mjs': '',
      'trigger/c.js': '',
      'trigger/d.mts': '',
      'trigger/types.d.ts': '',
      'trigger/a.test.ts': '',
      'trigger/readme.md': '',
      'trigger/node_modules/x/index.ts': '',
      'trigger/.cache/y.ts': '',
      'src/trigger/e.ts': '',
      'src/other/f.ts': '',
      'jobs/g.ts': '',
    });
    const rel = (files: string[]) => files.map((f) => f.slice(dir.length + 1));
    assert.deepEqual(rel(discoverTaskFiles(dir)), ['src/trigger/e.ts', 'trigger/a.ts', 'trigger/c.js', 'trigger/d.mts', 'trigger/sub/b.mjs']);
    assert.deepEqual(rel(discoverTaskFiles(dir, ['jobs', 'missing'])), ['jobs/g.ts']);
  });

  it('bundles a file importing @trigger.dev/sdk to the worker SDK and bundles openai; reports broken files alone', async () => {
    const out = mkdtempSync(join(tmpdir(), 'runlight-out-'));
    cleanup.push(out);
    const files = discoverTaskFiles(FIXTURE_WS);
    const results = await bundleTasks(FIXTURE_WS, files, out);
    const byRel = new Map(results.map((r) => [r.relPath, r]));
    const basic = byRel.get('trigger/basic.ts')!;
    assert.equal(basic.error, undefined);
    assert.equal(basic.bundlePath, join(out, 'trigger/basic.ts.cjs'));
    const code = readFileSync(basic.bundlePath!, 'utf8');
    assert.match(code, /exports = globalThis\.__runlightSdk;/);
    assert.doesNotMatch(code, /require\("@trigger\.dev\/sdk"\)/);
    assert.match(code, /\/\/# sourceMappingURL=data:application\/json;base64,/);
    assert.deepEqual(basic.inputs.map((p) => p.slice(FIXTURE_WS.length + 1)).sort(), ['lib/greet.ts', 'trigger/basic.ts']);
    const openai = readFileSync(byRel.get('trigger/openai.ts')!.bundlePath!, 'utf8');
    assert.doesNotMatch(openai, /require\("openai"\)/, 'openai is bundled, not required at run time');
    assert.match(openai, /chat\.completions|class OpenAI/);

    const broken = ws({
      'trigger/good.ts': SDK_TASK('good'),
      'trigger/syntax.ts': 'export const x = {\n  id: "x",\n  oops: ,\n};\n',
      'trigger/missing.ts': 'import { nope } from "./does-not-exist";\nexport const y = nope;\n',
      'trigger/v3.ts': 'import { task } from "@trigger.dev/sdk/v3";\nexport const v = task({ id: "v", run: async () => 1 });\n',
      'trigger/ai.ts': 'import { ai } from "@trigger.dev/sdk/ai";\nexport const a = ai;\n',
    });
    const r = await bundleTasks(broken, discoverTaskFiles(broken), join(broken, '.runlight/build'));
    const errs = Object.fromEntries(r.map((x) => [x.relPath, x.error]));
    assert.equal(errs['trigger/good.ts'], undefined);
    assert.match(errs['trigger/syntax.ts']!, /^trigger\/syntax\.ts:3:\d+: /);
    assert.match(errs['trigger/missing.ts']!, /Could not resolve "\.\/does-not-exist"/);
    assert.equal(errs['trigger/v3.ts'], undefined, '@trigger.dev/sdk/v3 is the SDK');
    assert.match(
      errs['trigger/ai.ts']!,
      /^trigger\/ai\.ts:1:\d+: "@trigger\.dev\/sdk\/ai" is not supported by Runlight: task files may import "@trigger\.dev\/sdk" and "@trigger\.dev\/sdk\/v3"/,
    );
  });

  it('indexes bundles in a real worker: ids, export names, lines, maxDuration/maxAttempts, per-file errors', async () => {
    await buildWorker();
    const dir = ws({
      'trigger/one.ts': `import { task, schemaTask } from "runlight/sdk";\n\n// a comment\nexport const first = task({\n  id: 'first',\n  maxDuration: 60,\n  retry: { maxAttempts: 2 },\n  run: async () => 1,\n});\n\nexport const second = task({ id: "second", run: async () => 2 });\n`,
      'trigger/dup.ts': SDK_TASK('first'),
      'trigger/throws.ts':
        'import { task } from "@trigger.dev/sdk/v3";\nexport const t = task({ id: "never", run: async () => 0 });\nthrow new Error("module init failed");\n',
      'trigger/bad.ts': 'export const = 1;\n',
      'trigger/unsupported.ts':
        'import { envvars, task } from "@trigger.dev/sdk";\nexport const ok = task({ id: "fine", run: async () => 1 });\nexport const vars = envvars.list("proj", "dev");\n',
      'trigger/scheduled.ts':
        'import { schedules, task } from "@trigger.dev/sdk";\nexport const plain = task({ id: "plain", run: async () => 1 });\nexport const s = schedules.task({ id: "cron", cron: { pattern: "0 5 * * *", timezone: "Asia/Tokyo" }, run: async () => 1 });\n',
    });
    const builds = await bundleTasks(dir, discoverTaskFiles(dir), join(dir, '.runlight/build'));
    const child = forkTaskWorker({ script: WORKER_JS });
    try {
      await workerReady(child);
      const { tasks, errors } = await indexTasks(builds, (p) => indexOnWorker(child, p));
      assert.deepEqual(
        tasks,
        [
          { id: 'first', exportName: 't', filePath: 'trigger/dup.ts', line: 3, queue: 'task/first' },
          { id: 'first', exportName: 'first', filePath: 'trigger/one.ts', line: 5, maxDuration: 60, maxAttempts: 2, queue: 'task/first' },
          { id: 'second', exportName: 'second', filePath: 'trigger/one.ts', line: 11, queue: 'task/second' },
          { id: 'plain', exportName: 'plain', filePath: 'trigger/scheduled.ts', line: 2, queue: 'task/plain' },
          {
            id: 'cron',
            exportName: 's',
            filePath: 'trigger/scheduled.ts',
            line: 3,
            triggerSource: 'schedule',
            schedule: { cron: '0 5 * * *', timezone: 'Asia/Tokyo' },
            queue: 'task/cron',
          },
        ].filter((_, i) => i !== 1),
      );
      assert.equal(errors.length, 4, errors.join('\n'));
      assert.match(
        errors.find((e) => e.startsWith('trigger/unsupported.ts'))!,
        /UnsupportedApiError: envvars\.list\(\) is not supported by Runlight \(a local engine\); see "Compatibility"/,
      );
      assert.match(
        errors.find((e) => e.startsWith('trigger/bad.ts'))!,
        /^trigger\/bad\.ts: trigger\/bad\.ts:1:\d+: Expected/,
      );
      assert.match(
        errors.find((e) => e.startsWith('trigger/throws.ts'))!,
        /module init failed/,
      );
      assert.match(
        errors.find((e) => e.startsWith('trigger/throws.ts'))!,
        /throws\.ts:3/,
        'the load error points at the source line',
      );
      assert.match(
        errors.find((e) => e.startsWith('trigger/one.ts'))!,
        /task id "first" is already defined in trigger\/dup\.ts/,
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('indexes a payload JSON Schema: the jsonSchema option, or a schemaTask schema that gives one (zod 4); none for a parse function', async () => {
    await buildWorker();
    const dir = ws({
      'trigger/s.ts':
        'import { schemaTask, task } from "@trigger.dev/sdk";\nimport { z } from "zod";\n' +
        'export const a = schemaTask({ id: "zodded", schema: z.object({ prompt: z.string().min(1), n: z.number().int().optional() }), run: async () => 1 });\n' +
        'export const b = task({ id: "declared", jsonSchema: { type: "object", required: ["x"] }, run: async () => 1 });\n' +
        'export const c = schemaTask({ id: "fn", schema: (v: unknown) => v, run: async () => 1 });\n',
    });
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules/zod'), join(dir, 'node_modules/zod'));
    const builds = await bundleTasks(dir, discoverTaskFiles(dir), join(dir, '.runlight/build'));
    const child = forkTaskWorker({ script: WORKER_JS });
    try {
      await workerReady(child);
      const { tasks, errors } = await indexTasks(builds, (p) => indexOnWorker(child, p));
      assert.deepEqual(errors, []);
      const byId = Object.fromEntries(tasks.map((t) => [t.id, t.payloadSchema]));
      assert.deepEqual(byId.declared, { type: 'object', required: ['x'] });
      assert.equal(byId.fn, undefined);
      const zodded = byId.zodded as { type: string; properties: Record<string, unknown>; required: string[] };
      assert.equal(zodded.type, 'object');
      assert.deepEqual(zodded.properties.prompt, { type: 'string', minLength: 1 });
      assert.deepEqual(zodded.required, ['prompt']);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('finds the line of the id literal', () => {
    const src =
      'import x from "y";\n\nexport const a = task({\n  id: "alpha",\n});\nconst b = task({ id: `beta`, run });\nconst c = task({ id : \'gamma.1\' });\n';
    assert.equal(findIdLine(src, 'alpha'), 4);
    assert.equal(findIdLine(src, 'beta'), 6);
    assert.equal(findIdLine(src, 'gamma.1'), 7);
    assert.equal(findIdLine(src, 'gamma'), undefined);
    assert.equal(findIdLine(src, 'delta'), undefined);
  });

  it('loads the workspace .env with node parseEnv', () => {
    assert.deepEqual(loadWorkspaceEnv(FIXTURE_WS), { FIXTURE_GREETING: 'from .env', OTHER: '1' });
    const dir = ws({ '.env': 'A=1\nexport B="two words"\n# C=3\nD=\'single\'\nE="multi\\nline"\n' });
    const env = loadWorkspaceEnv(dir);
    assert.equal(env.A, '1');
    assert.equal(env.D, 'single');
    assert.equal(env.C, undefined);
    assert.equal(env.E, 'multi\nline');
    assert.deepEqual(loadWorkspaceEnv(ws({})), {});
  });

  it('loads esbuild-wasm from the package when there is no vendored copy beside the bundle; the esbuild package with RUNLIGHT_ESBUILD=native', () => {
    const saved = process.env.RUNLIGHT_ESBUILD;
    try {
      delete process.env.RUNLIGHT_ESBUILD;
      assert.deepEqual(esbuildLocation(), { main: join(ROOT, 'node_modules/esbuild-wasm/lib/main.js'), kind: 'wasm' });
      process.env.RUNLIGHT_ESBUILD = 'native';
      assert.deepEqual(esbuildLocation(), { main: join(ROOT, 'node_modules/esbuild/lib/main.js'), kind: 'native' });
    } finally {
      if (saved === undefined) delete process.env.RUNLIGHT_ESBUILD;
      else process.env.RUNLIGHT_ESBUILD = saved;
    }
  });

  it('under Electron, gives esbuild-wasm a `node` on PATH that is process.execPath', async () => {
    const dir = ws({ 'trigger/a.ts': SDK_TASK('a') });
    const run = async (fakeElectron: boolean) => {
      const emptyBin = mkdtempSync(join(tmpdir(), 'runlight-nopath-'));
      cleanup.push(emptyBin);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'electron-child.ts'), dir, join(dir, 'trigger/a.ts'), join(dir, 'out')],
        { cwd: ROOT, env: { ...process.env, PATH: emptyBin, RUNLIGHT_FAKE_ELECTRON: fakeElectron ? '1' : '0' }, timeout: 60_000 },
      );
      return JSON.parse(stdout.trim().split('\n').pop()!) as { ok: boolean; error?: string; path: string };
    };
    const without = await run(false);
    assert.equal(without.ok, false, 'without node on PATH the service cannot start');
    assert.match(without.error ?? '', /ENOENT|spawn node/);
    const withShim = await run(true);
    assert.equal(withShim.ok, true, withShim.error);
    assert.equal(withShim.path.split(':').length, 1, 'PATH is restored after the call');
  });

  it('recovers when the esbuild service process dies', async () => {
    const dir = ws({ 'trigger/a.ts': SDK_TASK('a') });
    const bundler = new TaskBundler(dir, join(dir, 'out'), false);
    try {
      assert.equal((await bundler.build(join(dir, 'trigger/a.ts'))).error, undefined);
      const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]);
      const service = stdout.split('\n').find((l) => /esbuild.*--service=/.test(l));
      assert.ok(service, `no esbuild service among the children:\n${stdout}`);
      process.kill(Number(service.trim().split(/\s+/)[0]), 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      const during = await bundler.build(join(dir, 'trigger/a.ts'));
      if (during.error) assert.match(during.error, /service/);
      const after = await bundler.build(join(dir, 'trigger/a.ts'));
      assert.equal(after.error, undefined, 'a new service was started');
    } finally {
      await bundler.dispose();
    }
  });
});
