import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../support/postgres';
import { mapLimit, sleep, startNode, waitForTasks, type EngineNode } from './support';

/**
 * Queue limits across engine nodes: two nodes (`dist/cli.js dev --store postgres://…`, 3 workers each) on one
 * Postgres claim from one limited queue at once; together they never run more than its limit, per key too.
 * Bounded: 40 + 24 runs of ~150 ms, 120 s at most.
 */

const TASKS: Record<string, string> = {
  'trigger/queued.ts': `
import { task } from "@trigger.dev/sdk";
import { appendFileSync } from "node:fs";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const node = process.env.RUNLIGHT_TEST_NODE ?? "?";
const span = async (p: { log: string; ms: number; key?: string }) => {
  const start = Date.now();
  await sleep(p.ms);
  appendFileSync(p.log, JSON.stringify({ node, start, end: Date.now(), key: p.key ?? "" }) + "\\n");
  return node;
};
export const limited = task({ id: "limited", queue: { concurrencyLimit: 2 }, run: span });
export const keyed = task({ id: "keyed", queue: { concurrencyLimit: 1 }, run: span });
`,
};

interface Span {
  node: string;
  start: number;
  end: number;
  key: string;
}

function maxOverlap(spans: readonly Span[]): number {
  const points = spans.flatMap((s) => [
    [s.start, 1],
    [s.end, -1],
  ]);
  points.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let most = 0;
  for (const [, d] of points) most = Math.max(most, (open += d!));
  return most;
}

describe('multinode: queue limits hold across two engine nodes on one Postgres', function () {
  this.timeout(300_000);
  let server: TestPostgres | undefined;
  let work: string;
  const nodes: EngineNode[] = [];

  before(async function () {
    this.timeout(180_000);
    if (!process.env['RUNLIGHT_TEST_DATABASE_URL'] && !findPostgresBin()) {
      const msg = 'multi-node tests need Postgres: install the Debian `postgresql` package or set RUNLIGHT_TEST_DATABASE_URL';
      if (process.env['CI']) throw new Error(`${msg} (required when CI is set)`);
      process.stderr.write(`skipping: ${msg}\n`);
      this.skip();
    }
    server = await startTestPostgres();
    work = await mkdtemp(join(tmpdir(), 'runlight-multinode-queues-'));
    const db = await server.createDatabase();
    const started = await Promise.allSettled(['n1', 'n2'].map((name) => startNode(name, db, TASKS, { workers: 3 })));
    for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all(nodes.map((n) => waitForTasks(n.client, ['limited', 'keyed'])));
  });

  after(async () => {
    for (const n of nodes.splice(0)) {
      await n.stop(5000).catch(() => undefined);
      await rm(n.dir, { recursive: true, force: true });
    }
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function runAll(task: string, count: number, key: (i: number) => string | undefined): Promise<Span[]> {
    const log = join(work, `${task}.log`);
    await writeFile(log, '');
    const ids = await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      8,
      async (i) => {
        const k = key(i);
        return (await nodes[i % 2]!.client.trigger(task, { log, ms: 150, ...(k ? { key: k } : {}) }, k ? { concurrencyKey: k } : {})).id;
      },
    );
    const until = Date.now() + 120_000;
    for (;;) {
      const statuses = await Promise.all(ids.map(async (id) => (await nodes[0]!.client.retrieveRun(id)).status));
      const bad = statuses.find((s) => s !== 'COMPLETED' && s !== 'QUEUED' && s !== 'DEQUEUED' && s !== 'EXECUTING');
      assert.equal(bad, undefined, `a run ended ${bad}`);
      if (statuses.every((s) => s === 'COMPLETED')) break;
      if (Date.now() > until) throw new Error(`timed out: ${statuses.filter((s) => s === 'COMPLETED').length} of ${count} runs completed`);
      await sleep(200);
    }
    return (await readFile(log, 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Span);
  }

  it('never runs more than concurrencyLimit runs of a queue at once, with both nodes claiming from it', async () => {
    const spans = await runAll('limited', 40, () => undefined);
    assert.equal(spans.length, 40, 'each run executed once');
    assert.equal(maxOverlap(spans), 2, 'at most (and, with 6 workers, exactly) the limit at once');
    const perNode = new Set(spans.map((s) => s.node));
    assert.deepEqual([...perNode].sort(), ['n1', 'n2'], 'both nodes ran runs of the queue');
  });

  it('holds the limit per concurrency key across nodes', async () => {
    const keys = ['a', 'b', 'c'];
    const spans = await runAll('keyed', 24, (i) => keys[i % 3]);
    assert.equal(spans.length, 24);
    for (const k of keys) assert.equal(maxOverlap(spans.filter((s) => s.key === k)), 1, `key ${k}: one at a time`);
    assert.ok(maxOverlap(spans) >= 2, 'different keys ran side by side');
  });
});
