import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineClient, StreamChunk } from '../../src/client';
import type { Run } from '../../src/protocol';
import { findPostgresBin, startTestPostgres, type TestPostgres } from '../support/postgres';
import {
  MULTINODE_TASKS,
  TASK_IDS,
  assertSameAsLog,
  changeLog,
  follow,
  mapLimit,
  parseExecutions,
  sleep,
  startNode,
  waitForTasks,
  waitUntil,
  type EngineNode,
  type Received,
} from './support';

/**
 * Three engine nodes (`dist/cli.js dev --store postgres://…`, each its own process and workspace with the
 * same task files) on one throwaway Postgres: exactly-once execution, feeds in seq order on every node with
 * resume on another node, streams across nodes, and recovery after `kill -9` of a node.
 */

const RUNS = Number(process.env.RUNLIGHT_MULTINODE_RUNS ?? 1000);

async function allRuns(client: EngineClient, taskIdentifier: string): Promise<Run[]> {
  const out: Run[] = [];
  let after: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await client.listRuns({ taskIdentifier, pageSize: 1000, after });
    out.push(...res.data);
    if (!res.pagination.next || res.data.length === 0) break;
    after = res.pagination.next;
  }
  return out;
}

function countBy<T>(xs: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

describe('multinode: three engine nodes on one Postgres', function () {
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
    work = await mkdtemp(join(tmpdir(), 'runlight-multinode-'));
  });

  after(async () => {
    for (const n of nodes.splice(0)) {
      await n.stop(5000).catch(() => undefined);
      await rm(n.dir, { recursive: true, force: true });
    }
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function startTrio(url: string, env: Record<string, string> = {}): Promise<EngineNode[]> {
    // All at once on an empty database: the schema migration must serialise by itself.
    const started = await Promise.allSettled(['n1', 'n2', 'n3'].map((name) => startNode(name, url, MULTINODE_TASKS, { workers: 2, env })));
    const trio = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    nodes.push(...trio);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all(trio.map((n) => waitForTasks(n.client, TASK_IDS)));
    return trio;
  }

  describe('steady state', () => {
    let db: string;
    let trio: EngineNode[];
    let runIds: string[] = [];
    let whole: ReturnType<typeof follow>;
    let first: ReturnType<typeof follow>;
    let resumed: ReturnType<typeof follow>;
    let resumedAfter = 0;
    let log: Awaited<ReturnType<typeof changeLog>>;
    let execFile: string;

    before(async function () {
      this.timeout(400_000);
      db = await server!.createDatabase();
      trio = await startTrio(db);
      execFile = join(work, 'noop-executions.log');
      await writeFile(execFile, '');

      const stopWhole = new AbortController();
      const stopFirst = new AbortController();
      const stopResumed = new AbortController();
      const bound = setTimeout(() => [stopWhole, stopFirst, stopResumed].forEach((c) => c.abort()), 150_000);
      // Subscriber A stays on node 1 throughout; subscriber B starts on node 1 and is moved to node 3 mid-way.
      whole = follow(trio[0]!.client, stopWhole.signal);
      first = follow(trio[0]!.client, stopFirst.signal);
      const t0 = Date.now();
      const triggering = mapLimit(
        Array.from({ length: RUNS }, (_, i) => i),
        12,
        async (i) => (await trio[i % 3]!.client.trigger('noop', { log: execFile })).id,
      );
      // Move B once it has a third of the expected events (~4 per run).
      await waitUntil('subscriber B to receive events on node 1', 120_000, () => first.count() >= Math.floor((RUNS * 4) / 3));
      stopFirst.abort();
      await first.done;
      const part1 = first.received();
      resumedAfter = part1.at(-1)!.seq;
      resumed = follow(trio[2]!.client, stopResumed.signal, String(resumedAfter));
      runIds = await triggering;
      const triggeredMs = Date.now() - t0;

      const ids = new Set(runIds);
      const completedIn = (f: ReturnType<typeof follow>): number =>
        new Set(
          f
            .received()
            .filter((r) => ids.has(r.run.id) && r.run.status === 'COMPLETED')
            .map((r) => r.run.id),
        ).size;
      await waitUntil(`${RUNS} runs COMPLETED on subscriber A`, 150_000, () => completedIn(whole) === RUNS);
      const doneMs = Date.now() - t0;
      // Everything is quiet now: both feeds must reach the head of the change log.
      log = await changeLog(db);
      const head = log.at(-1)!.seq;
      await waitUntil(
        'both feeds to reach the head of the log',
        20_000,
        () => whole.received().at(-1)?.seq === head && resumed.received().at(-1)?.seq === head,
      );
      clearTimeout(bound);
      stopWhole.abort();
      stopResumed.abort();
      await Promise.all([whole.done, resumed.done]);
      process.stderr.write(
        `      ${RUNS} runs: triggered in ${triggeredMs} ms, all COMPLETED after ${doneMs} ms (${Math.round((RUNS / doneMs) * 1000)} runs/s); change log ${log.length} events\n`,
      );
    });

    it(`executes each of ${RUNS} runs triggered round-robin exactly once`, async () => {
      assert.equal(new Set(runIds).size, RUNS);
      const runs = await allRuns(trio[1]!.client, 'noop');
      assert.equal(runs.length, RUNS, 'runs listed');
      const bad = runs.filter((r) => r.status !== 'COMPLETED' || r.attemptCount !== 1);
      assert.deepEqual(
        bad.map((r) => `${r.id} ${r.status} attempts=${r.attemptCount}`),
        [],
        'every run COMPLETED after exactly one attempt',
      );
      const executions = parseExecutions(await readFile(execFile, 'utf8'));
      const perRun = countBy(executions, (e) => e.runId);
      const notOnce = runIds.filter((id) => perRun[id] !== 1);
      assert.deepEqual(
        notOnce.map((id) => `${id}: ${perRun[id] ?? 0} executions`),
        [],
        'exactly one execution line per run',
      );
      assert.equal(executions.length, RUNS, 'no execution of a run that was not triggered');
      // The output names the node whose worker ran the attempt: it agrees with the execution line.
      const nodeOf = new Map(executions.map((e) => [e.runId, e.node]));
      const mismatched = runs.filter((r) => (r.output as { node?: string } | undefined)?.node !== nodeOf.get(r.id));
      assert.equal(mismatched.length, 0, 'output.node matches the execution line');
      const perNode = countBy(executions, (e) => e.node);
      process.stderr.write(`      executions per node: ${JSON.stringify(perNode)}\n`);
      assert.equal(Object.keys(perNode).length, 3, 'every node executed runs');
    });

    it('node 1 feed carries every change of runs executing on other nodes, in seq order', () => {
      const got = whole.received();
      assertSameAsLog('subscriber on node 1', got, log);
      const completedOnNode1Feed = new Set(got.filter((r) => r.run.status === 'COMPLETED').map((r) => r.run.id));
      assert.equal(completedOnNode1Feed.size, RUNS);
    });

    it('runs executed on nodes 2 and 3 are seen finishing on node 1', async () => {
      const executions = parseExecutions(await readFile(execFile, 'utf8'));
      const elsewhere = executions.filter((e) => e.node !== 'n1').map((e) => e.runId);
      assert.ok(elsewhere.length > 0, 'nodes 2 and 3 executed runs');
      const states = new Map<string, string[]>();
      for (const r of whole.received()) states.set(r.run.id, [...(states.get(r.run.id) ?? []), r.run.status]);
      const unseen = elsewhere.filter((id) => states.get(id)?.at(-1) !== 'COMPLETED' || !states.get(id)?.includes('EXECUTING'));
      assert.deepEqual(unseen, [], 'EXECUTING then COMPLETED seen on node 1');
    });

    it('a subscriber moved from node 1 to node 3 with Last-Event-ID resumes without gap or duplicate', () => {
      const combined = [...first.received(), ...resumed.received()];
      assert.ok(first.received().length > 0 && resumed.received().length > 0, 'both parts received events');
      assert.ok(resumed.received()[0]!.seq > resumedAfter, 'the resumed feed starts after Last-Event-ID');
      assertSameAsLog('node 1 then node 3', combined, log);
    });

    it('stream chunks written on one node are read in order on the others', async function () {
      this.timeout(60_000);
      const [n1, n2, n3] = trio;
      const N = 200;
      const signal = AbortSignal.timeout(45_000);
      const read = async (client: EngineClient, runId: string, key: string): Promise<StreamChunk[]> => {
        const out: StreamChunk[] = [];
        for await (const c of client.subscribeToStream(runId, key, { signal })) out.push(c);
        return out;
      };
      // 1. A task appends chunks on whichever node runs it; all three nodes serve the same stream.
      const { id: a } = await n2!.client.trigger('streamer', { n: N, delayMs: 2 });
      const onEach = await Promise.all([n1!, n2!, n3!].map((n) => read(n.client, a, 'tokens')));
      const run = await n1!.client.retrieveRun(a);
      assert.equal(run.status, 'COMPLETED');
      const writer = (run.output as { node: string }).node;
      for (const [i, chunks] of onEach.entries()) {
        assert.deepEqual(
          chunks.map((c) => [c.idx, (c.value as { i: number }).i]),
          Array.from({ length: N }, (_, k) => [k, k]),
          `chunks written on ${writer} read on n${i + 1}`,
        );
      }
      // 2. Chunks appended through node 2's API while the run executes (on any node) are read on node 1, in order.
      const release = join(work, 'release-ext');
      const { id: b } = await n1!.client.trigger('streamer', { n: 0, waitFor: release });
      await waitUntil('run to execute', 30_000, async () => (await n1!.client.retrieveRun(b)).status === 'EXECUTING');
      const reading = read(n1!.client, b, 'ext');
      for (let i = 0; i < N; i++) await n2!.client.appendToStream(b, 'ext', { i });
      await writeFile(release, '');
      const got = await reading;
      assert.deepEqual(
        got.map((c) => [c.idx, (c.value as { i: number }).i]),
        Array.from({ length: N }, (_, k) => [k, k]),
        'chunks appended on n2 read on n1',
      );
      assert.equal((await n3!.client.retrieveRun(b)).status, 'COMPLETED');
    });

    it('a cancel sent to another node stops the attempt on the node executing it', async function () {
      this.timeout(60_000);
      const marks = join(work, 'cancel-marks.log');
      await writeFile(marks, '');
      const { id } = await trio[0]!.client.trigger('slow1', { log: marks, ms: 60_000 });
      const line = await (async () => {
        const until = Date.now() + 30_000;
        for (;;) {
          const found = (await readFile(marks, 'utf8')).split('\n').find((l) => l.startsWith(id + ' '));
          if (found) return found;
          if (Date.now() > until) throw new Error('the run did not start');
          await sleep(50);
        }
      })();
      const [, node, , pid] = line.split(' ');
      const other = trio.find((n) => n.name !== node)!;
      await other.client.cancelRun(id);
      assert.equal((await other.client.retrieveRun(id)).status, 'CANCELED');
      await waitUntil(`the attempt's worker (pid ${pid} on ${node}) stopped`, 15_000, () => !pidAlive(Number(pid)));
      const executing = trio.find((n) => n.name === node)!;
      const final = await executing.client.retrieveRun(id);
      assert.equal(final.status, 'CANCELED');
      assert.ok(final.finishedAt);
    });

    after(async () => {
      for (const n of trio ?? []) {
        await n.stop(5000).catch(() => undefined);
      }
    });
  });

  describe('kill -9 of a node mid-run (RUNLIGHT_LEASE_MS=3000)', () => {
    it('recovers its runs on the other nodes, whose subscribers see them finish', async function () {
      this.timeout(300_000);
      const db = await server!.createDatabase();
      const trio = await startTrio(db, { RUNLIGHT_LEASE_MS: '3000' });
      const [n1, n2, n3] = trio as [EngineNode, EngineNode, EngineNode];
      const execFile = join(work, 'slow-executions.log');
      await writeFile(execFile, '');
      const stop = new AbortController();
      const bound = setTimeout(() => stop.abort(), 120_000);
      const on1 = follow(n1.client, stop.signal);
      const on2 = follow(n2.client, stop.signal);

      // Node 3 alone claims one run of each kind (nodes 1 and 2 are paused with SIGSTOP meanwhile), so the
      // runs it holds when it dies are known: a slow2 (an attempt left: requeued) and a slow1 (none left: CRASHED).
      const MS = 8000;
      n1.child.kill('SIGSTOP');
      n2.child.kill('SIGSTOP');
      let held: { id: string; task: string }[];
      try {
        held = [
          { id: (await n3.client.trigger('slow2', { log: execFile, ms: MS })).id, task: 'slow2' },
          { id: (await n3.client.trigger('slow1', { log: execFile, ms: MS })).id, task: 'slow1' },
        ];
        await waitUntil(
          'node 3 to execute both runs',
          30_000,
          async () => parseExecutions(await readFile(execFile, 'utf8')).filter((e) => e.node === 'n3').length >= 2,
        );
      } finally {
        n1.child.kill('SIGCONT');
        n2.child.kill('SIGCONT');
      }
      // More runs while it dies, triggered round-robin (node 3's workers are busy: nodes 1 and 2 take them).
      const more = await mapLimit(
        Array.from({ length: 8 }, (_, i) => i),
        4,
        async (i) => {
          const task = i % 2 === 0 ? 'slow2' : 'slow1';
          return { id: (await trio[i % 3]!.client.trigger(task, { log: execFile, ms: 1000 })).id, task };
        },
      );
      const ids = [...held, ...more];
      const taskOf = new Map(ids.map((r) => [r.id, r.task]));
      await sleep(500);
      const onN3 = parseExecutions(await readFile(execFile, 'utf8')).filter((e) => e.node === 'n3');
      await n3.kill();
      const killedAt = Date.now();
      const lost = onN3.map((e) => e.runId);
      if (process.env.RUNLIGHT_MULTINODE_DEBUG) {
        const t = (r: Received): string => `${r.at - killedAt} ms ${r.run.id} ${r.run.status} attempts=${r.run.attemptCount}`;
        process.stderr.write(
          `held ${held.map((r) => r.id).join(' ')}\n${await readFile(execFile, 'utf8')}\n${on1.received().map(t).join('\n')}\n--- n3\n${n3.stderr()}\n`,
        );
      }
      assert.deepEqual(new Set(lost), new Set(held.map((r) => r.id)), 'node 3 held exactly the two runs it claimed alone');

      // Its workers must not outlive it (an orphan could still cause side effects).
      await waitUntil('the killed node’s workers to exit', 10_000, () => onN3.every((e) => !pidAlive(e.pid)));

      const finalOn = (f: ReturnType<typeof follow>, id: string): Run | undefined =>
        f
          .received()
          .filter((r) => r.run.id === id && ['COMPLETED', 'CRASHED', 'FAILED'].includes(r.run.status))
          .at(-1)?.run;
      await waitUntil('every run to finish on the feeds of nodes 1 and 2', 60_000, () => ids.every((r) => finalOn(on1, r.id) && finalOn(on2, r.id)));
      const finishedMs = Date.now() - killedAt;
      clearTimeout(bound);
      stop.abort();
      await Promise.all([on1.done, on2.done]);

      const executions = parseExecutions(await readFile(execFile, 'utf8'));
      const perRun = countBy(executions, (e) => e.runId);
      const report: string[] = [];
      for (const { id, task } of ids) {
        const a = finalOn(on1, id)!;
        const b = finalOn(on2, id)!;
        assert.deepEqual([b.status, b.attemptCount], [a.status, a.attemptCount], `${id}: same end on nodes 1 and 2`);
        if (!lost.includes(id)) {
          assert.deepEqual([a.status, a.attemptCount, perRun[id]], ['COMPLETED', 1, 1], `${id} (not on node 3): completed once`);
        } else if (task === 'slow2') {
          assert.deepEqual([a.status, a.attemptCount, perRun[id]], ['COMPLETED', 2, 2], `${id} (slow2 on node 3): requeued and completed by attempt 2`);
          const second = executions.find((e) => e.runId === id && e.attempt === 2);
          assert.ok(second && second.node !== 'n3', `${id}: attempt 2 ran on a surviving node`);
          report.push(`${id} slow2 → COMPLETED on ${second.node}`);
        } else {
          assert.equal(a.status, 'CRASHED', `${id} (slow1 on node 3): no attempt left`);
          assert.equal(perRun[id], 1);
          assert.equal(a.error?.name, 'EngineStopped');
          report.push(`${id} slow1 → CRASHED`);
        }
      }
      // Recovery: the first change of a lost run after it was EXECUTING (QUEUED again, or CRASHED), as seen on
      // node 1. It waits for the lease (3 s, renewed every 1 s) to expire, then a recovery round (every 1 s).
      const recoveredAt = lost.map((id) => {
        const mine = on1.received().filter((r) => r.run.id === id);
        const executing = mine.findIndex((r) => r.run.status === 'EXECUTING');
        const next = mine.slice(executing + 1).find((r) => r.run.status === 'QUEUED' || r.run.status === 'CRASHED');
        assert.ok(executing >= 0 && next, `${id}: EXECUTING then QUEUED/CRASHED seen on node 1`);
        return next.at;
      });
      const requeuedMs = Math.max(...recoveredAt) - killedAt;
      process.stderr.write(`      recovery per run (ms after kill -9): ${recoveredAt.map((t) => t - killedAt).join(', ')}\n`);
      // Nominally 2–4 s after the kill; the bound leaves room for feed lag on a loaded CI machine.
      assert.ok(requeuedMs > 0 && requeuedMs < 15_000, `recovery took ${requeuedMs} ms`);
      process.stderr.write(
        `      node 3 held ${lost.length} run(s) (${lost.map((id) => taskOf.get(id)).join(', ')}); recovered ${requeuedMs} ms after kill -9; all finished ${finishedMs} ms after it\n` +
          report.map((l) => `      ${l}\n`).join(''),
      );

      // A node stalled past its lease (SIGSTOP: a long GC pause, a frozen VM) loses the run to another node; when
      // it wakes up, its attempt's late completion must not overwrite the attempt now running elsewhere.
      n1.child.kill('SIGSTOP');
      let stalled: string;
      try {
        stalled = (await n2.client.trigger('slow2', { log: execFile, ms: 6000 })).id;
        await waitUntil('node 2 to execute the run', 30_000, async () =>
          parseExecutions(await readFile(execFile, 'utf8')).some((e) => e.runId === stalled && e.node === 'n2'),
        );
      } finally {
        n1.child.kill('SIGCONT');
      }
      n2.child.kill('SIGSTOP');
      const stop2 = new AbortController();
      const bound2 = setTimeout(() => stop2.abort(), 100_000);
      const watch = follow(n1.client, stop2.signal);
      try {
        await waitUntil('node 1 to take the run over (attempt 2)', 45_000, async () =>
          parseExecutions(await readFile(execFile, 'utf8')).some((e) => e.runId === stalled && e.node === 'n1' && e.attempt === 2),
        ).catch(async (err: unknown) => {
          // What node 1 saw of the run, for whoever reads a failure here.
          const seen = await n1.client.retrieveRun(stalled).catch((e: unknown) => ({ unreadable: String(e) }));
          throw new Error(`${String(err)}; the run on node 1: ${JSON.stringify(seen)}`, { cause: err });
        });
      } finally {
        n2.child.kill('SIGCONT');
      }
      await waitUntil('the stalled run to finish', 30_000, () => watch.received().some((r) => r.run.id === stalled && r.run.status === 'COMPLETED'));
      await sleep(7000); // attempt 2 runs 6 s: any second completion would have landed by now
      clearTimeout(bound2);
      stop2.abort();
      await watch.done;
      const ends = watch.received().filter((r) => r.run.id === stalled && r.run.status === 'COMPLETED');
      assert.equal(ends.length, 1, 'one COMPLETED event');
      assert.deepEqual(ends[0]!.run.output, { node: 'n1', attempt: 2 }, 'the run ends with the attempt that held it, not the stalled one');
      const final = await n2.client.retrieveRun(stalled);
      assert.deepEqual([final.status, final.attemptCount, final.output], ['COMPLETED', 2, { node: 'n1', attempt: 2 }]);
    });
  });
});

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
