/**
 * Trigger.dev's documentation examples on a real engine. Each fixture is a code block of a docs page, copied
 * verbatim (the header's sha256 is checked) below an optional preamble of stubs; examples.ts says which task to
 * trigger and how it should end. Fixtures whose task ids collide (the docs reuse "my-task") go to different
 * workspaces, each with its own engine (2 workers), one after the other. The tally "docs examples: N of M run
 * unchanged" and the reason for each one that does not are printed at the end.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run } from '../../src/protocol';
import { followRun, repoRoot, startTestEngine, waitFor, type TestEngine } from '../support/engine';
import { EXAMPLES, NOT_RUN, type End, type Example } from './examples';

const HERE = join(repoRoot, 'test', 'compat');
const EXAMPLE_MARKER = '// ---- the docs example, verbatim (sha256 ';
const RUN_TIMEOUT_MS = 45_000;

function fixtureFile(name: string): string {
  return join(HERE, name.startsWith('stubs/') ? `${name}.ts` : `fixtures/${name}.ts`);
}

function readFixture(name: string): string {
  return readFileSync(fixtureFile(name), 'utf8');
}

/** Task ids a file declares (`id: "…"`), to keep files that share one out of the same workspace. */
function declaredIds(source: string): string[] {
  return [...source.matchAll(/\bid:\s*(["'`])([^"'`]+)\1/g)].map((m) => m[2]!);
}

/** Groups the examples so no two in one workspace declare the same task id, `maxSize` at most (first fit, in manifest order). */
function partition(examples: readonly Example[], maxSize: number): Example[][] {
  const groups: Array<{ ids: Set<string>; examples: Example[] }> = [];
  for (const ex of examples) {
    const ids = [ex.fixture, ...Object.values(ex.companions ?? {})].flatMap((f) => declaredIds(readFixture(f)));
    let group = groups.find((g) => g.examples.length < maxSize && ids.every((id) => !g.ids.has(id)));
    if (!group) groups.push((group = { ids: new Set(), examples: [] }));
    for (const id of ids) group.ids.add(id);
    group.examples.push(ex);
  }
  return groups.map((g) => g.examples);
}

const TSCONFIG = JSON.stringify({ compilerOptions: { paths: { '~/*': ['./*'], '@/*': ['./*'] } } });

/** A workspace with each example in its own `trigger/<fixture>/` folder (beside its companions) and the shared stubs. */
async function makeWorkspace(examples: readonly Example[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'runlight-compat-'));
  // zod (and the SDK's official types) resolve from the repository's node_modules, as in a user's project.
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'tsconfig.json'), TSCONFIG);
  await writeFile(join(dir, 'utils.ts'), readFixture('stubs/utils'));
  await mkdir(join(dir, 'trigger'), { recursive: true });
  await writeFile(join(dir, 'trigger', 'my-other-task.ts'), readFixture('stubs/my-other-task'));
  for (const ex of examples) {
    const folder = join(dir, 'trigger', ex.fixture);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `${ex.fixture}.ts`), readFixture(ex.fixture));
    for (const [name, from] of Object.entries(ex.companions ?? {})) await writeFile(join(folder, name), readFixture(from));
  }
  return dir;
}

interface Observed {
  loadError?: string;
  run?: Run;
  streams: Record<string, unknown[]>;
}

async function readStream(t: TestEngine, runId: string, key: string): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const c of t.client.subscribeToStream(runId, key, { signal: AbortSignal.timeout(10_000) })) values.push(c.value);
  return values;
}

async function runExample(t: TestEngine, ex: Example, loadErrors: readonly string[]): Promise<Observed> {
  const relPath = `trigger/${ex.fixture}/${ex.fixture}.ts`;
  const loadError = loadErrors.find((e) => e.startsWith(`${relPath}:`));
  if (loadError) return { loadError, streams: {} };
  const payload = typeof ex.payload === 'function' ? (ex.payload as (env: { engineUrl: string }) => unknown)({ engineUrl: t.url }) : ex.payload;
  const { id } = await t.client.trigger(ex.task, payload as never, ex.options as never);
  if (ex.cancelAfterMs !== undefined) setTimeout(() => void t.client.cancelRun(id).catch(() => undefined), ex.cancelAfterMs);
  const seen = await followRun(t.client, id, RUN_TIMEOUT_MS);
  const run = seen.at(-1);
  const expected = (ex.gap?.end ?? ex.upstream) as End;
  const streams: Record<string, unknown[]> = {};
  if ('streams' in expected && expected.streams) for (const key of Object.keys(expected.streams)) streams[key] = await readStream(t, id, key);
  return { run, streams };
}

/** Whether what was seen is `end`; the first difference, or undefined. */
function differs(end: End, seen: Observed): string | undefined {
  if ('loadError' in end) {
    if (!seen.loadError) return `expected the file not to load (${end.loadError}), but it loaded and the run ended ${seen.run?.status}`;
    return end.loadError.test(seen.loadError) ? undefined : `load error ${JSON.stringify(seen.loadError)} does not match ${end.loadError}`;
  }
  if (seen.loadError) return `the file did not load: ${seen.loadError}`;
  const run = seen.run;
  if (!run) return 'no run state was seen';
  const message = run.error?.message ?? '';
  if (run.status !== end.status) return `ended ${run.status}${message ? ` (${message})` : ''}, expected ${end.status}`;
  if (end.error && !end.error.test(message)) return `error ${JSON.stringify(message)} does not match ${end.error}`;
  try {
    if ('output' in end) assert.deepStrictEqual(run.output, end.output);
    if (end.metadata) assert.deepStrictEqual(run.metadata ?? {}, end.metadata);
    for (const tag of end.tags ?? []) assert.ok(run.tags.includes(tag), `tag ${tag} missing from ${JSON.stringify(run.tags)}`);
    for (const [key, chunks] of Object.entries(end.streams ?? {})) assert.deepStrictEqual(seen.streams[key], chunks, `stream ${key}`);
  } catch (err) {
    return (err as Error).message.split('\n').slice(0, 6).join(' ');
  }
  return undefined;
}

/** Workspaces (each its own engine) started at once: their examples' waits overlap, their builds share one esbuild. */
const CONCURRENT_WORKSPACES = 3;
/** At most this many examples per workspace, so each engine's first build answers the task list in time. */
const MAX_PER_WORKSPACE = 16;

/** Starts an engine on a workspace of `group`, runs each example, and closes it; each example's outcome. */
async function runGroup(group: readonly Example[]): Promise<Map<string, Observed | Error>> {
  const out = new Map<string, Observed | Error>();
  const dir = await makeWorkspace(group);
  const t = await startTestEngine({}, { dir, workers: 2, stopGraceMs: 500 });
  try {
    // Indexed: every fixture has a task in the list or an error naming it (the first build may outlast one request).
    const listed = await waitFor(
      async () => {
        const list = await t.client.listTasks().catch(() => undefined);
        if (!list) return undefined;
        const done = group.every(
          (ex) =>
            list.tasks.some((task) => task.filePath === `trigger/${ex.fixture}/${ex.fixture}.ts`) ||
            list.errors.some((e) => e.startsWith(`trigger/${ex.fixture}/`)),
        );
        return done ? list : undefined;
      },
      90_000,
      'the fixtures to be indexed',
    );
    await Promise.all(
      group.map(async (ex) => {
        out.set(ex.fixture, await runExample(t, ex, listed.errors).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
      }),
    );
  } finally {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

const tally: Array<{ ex: Example; ranUnchanged: boolean; problem?: string }> = [];

describe('Trigger.dev docs examples, run unchanged on the engine', function () {
  this.timeout(180_000);
  const groups = partition(EXAMPLES, MAX_PER_WORKSPACE);
  const outcomes = new Map<string, Observed | Error>();

  it('every fixture holds its docs block unchanged below the marker (sha256 in the header)', () => {
    for (const ex of EXAMPLES) {
      for (const name of [ex.fixture, ...Object.values(ex.companions ?? {}).filter((c) => !c.startsWith('stubs/'))]) {
        const text = readFixture(name);
        const at = text.indexOf(EXAMPLE_MARKER);
        assert.ok(at >= 0, `${name}: no example marker`);
        const sha = text.slice(at + EXAMPLE_MARKER.length, at + EXAMPLE_MARKER.length + 64);
        const body = text.slice(text.indexOf('\n', at) + 1);
        assert.equal(createHash('sha256').update(body).digest('hex'), sha, `${name}: the example differs from the docs block it was copied from`);
      }
    }
  });

  describe(`${EXAMPLES.length} examples in ${groups.length} workspaces, ${CONCURRENT_WORKSPACES} at a time`, () => {
    before(async function () {
      this.timeout(170_000);
      const started = Date.now();
      let next = 0;
      const lane = async () => {
        while (next < groups.length) {
          const group = groups[next++]!;
          const results = await runGroup(group).catch((err: unknown) => new Map(group.map((ex) => [ex.fixture, err as Error])));
          for (const [k, v] of results) outcomes.set(k, v);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENT_WORKSPACES }, lane));
      console.log(`      ran ${EXAMPLES.length} examples in ${groups.length} workspaces in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    for (const ex of EXAMPLES) {
      it(`${ex.fixture}: ${ex.task}${ex.gap ? ` (gap: ${ex.gap.why})` : ''}`, () => {
        const seen = outcomes.get(ex.fixture);
        if (!seen || seen instanceof Error) {
          tally.push({ ex, ranUnchanged: false, problem: seen ? seen.message : 'not run' });
          throw seen ?? new Error('not run');
        }
        const problem = differs((ex.gap?.end ?? ex.upstream) as End, seen);
        if (ex.gap && problem && !differs(ex.upstream as End, seen)) {
          tally.push({ ex, ranUnchanged: true });
          assert.fail(`${ex.fixture} now runs as on Trigger.dev: remove its gap ("${ex.gap.why}") from examples.ts`);
        }
        tally.push({ ex, ranUnchanged: !ex.gap && !problem, ...(problem ? { problem } : {}) });
        assert.equal(problem, undefined, `${ex.fixture}: ${problem}`);
      });
    }
  });

  after(() => {
    const total = EXAMPLES.length + NOT_RUN.length;
    const unchanged = tally.filter((r) => r.ranUnchanged);
    const lines = [`docs examples: ${unchanged.length} of ${total} run unchanged`];
    const failsUpstreamToo = unchanged.filter((r) => r.ex.note?.startsWith('fails on Trigger.dev too'));
    if (failsUpstreamToo.length > 0)
      lines.push(`  (${failsUpstreamToo.length} of them fail here as they do on Trigger.dev: ${failsUpstreamToo.map((r) => r.ex.fixture).join(', ')})`);
    for (const r of tally.filter((x) => !x.ranUnchanged)) lines.push(`  ${r.ex.fixture}: ${r.ex.gap ? r.ex.gap.why : `unexpected: ${r.problem}`}`);
    for (const r of unchanged.filter((x) => x.ex.note && !failsUpstreamToo.includes(x))) lines.push(`  ${r.ex.fixture}: runs unchanged; note: ${r.ex.note}`);
    for (const n of NOT_RUN) lines.push(`  ${n.source}: not run here: ${n.why}`);
    console.log(lines.join('\n'));
  });
});
